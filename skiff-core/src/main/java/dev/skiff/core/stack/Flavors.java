package dev.skiff.core.stack;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** The flavors on a class path, found with {@link ServiceLoader}. Immutable. */
public final class Flavors {
  private final List<Flavor<?>> all;

  private Flavors(List<Flavor<?>> all) {
    List<Flavor<?>> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparing((Flavor<?> f) -> f.type()).thenComparing(Flavor::name));
    this.all = List.copyOf(sorted);
  }

  @SuppressWarnings("rawtypes")
  public static Flavors load(ClassLoader loader) {
    List<Flavor<?>> found = new ArrayList<>();
    for (Flavor f : ServiceLoader.load(Flavor.class, loader)) {
      found.add(f);
    }
    return new Flavors(found);
  }

  public static Flavors of(List<Flavor<?>> flavors) {
    return new Flavors(flavors);
  }

  public List<Flavor<?>> all() {
    return all;
  }

  public List<Flavor<?>> ofType(ComponentType type) {
    return all.stream().filter(f -> f.type() == type).toList();
  }

  public Flavor<?> find(ComponentType type, String name) {
    return all.stream()
        .filter(f -> f.type() == type && f.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                ofType(type).isEmpty()
                    ? new ConfigException(
                        "no "
                            + type.cliName()
                            + " flavors are installed: they come with their modules on the class path")
                    : new ConfigException(
                        "unknown "
                            + type.cliName()
                            + " flavor '"
                            + name
                            + "': available: "
                            + ofType(type).stream()
                                .map(Flavor::name)
                                .collect(Collectors.joining(", "))
                            + " (other flavors come with their modules on the class path)"));
  }
}
