package dev.skiff.core.spi;

import dev.skiff.core.internal.Types;
import dev.skiff.sdk.Materializer;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The materializers on a class path, found with {@link ServiceLoader}. Immutable. */
public final class Materializers {
  private final List<Materializer> all;

  private Materializers(List<Materializer> all) {
    List<Materializer> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingInt(Materializer::priority).reversed());
    this.all = List.copyOf(sorted);
  }

  public static Materializers load(ClassLoader loader) {
    List<Materializer> found = new ArrayList<>();
    ServiceLoader.load(Materializer.class, loader).forEach(found::add);
    return new Materializers(found);
  }

  public static Materializers of(List<Materializer> materializers) {
    return new Materializers(materializers);
  }

  public List<Materializer> all() {
    return all;
  }

  /** The highest-priority materializer supporting {@code type} (primitives are boxed first). */
  public Optional<Materializer> forType(Type type) {
    Type t = type instanceof Class<?> c && c.isPrimitive() ? Types.boxed(c) : type;
    return all.stream().filter(m -> m.supports(t) || m.supports(type)).findFirst();
  }

  public Materializer byId(String id) {
    return all.stream()
        .filter(m -> m.id().equals(id))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "materializer '"
                        + id
                        + "' is not on the class path: add the module that provides it"));
  }
}
