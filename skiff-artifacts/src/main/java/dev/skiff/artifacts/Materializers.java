package dev.skiff.artifacts;

import dev.skiff.sdk.Materializer;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * An immutable set of materializers and the rule that picks one for a type: the highest {@link
 * Materializer#priority()} among those that support it; at equal priority one that isn't built in
 * wins over a built-in, then the smaller id.
 */
public final class Materializers {
  private static final Set<Class<?>> BUILT_IN =
      Set.of(
          MatrixMaterializer.class,
          ArrayMaterializer.class,
          PrimitiveMaterializer.class,
          StringMaterializer.class,
          JsonMaterializer.class);

  private static final Comparator<Materializer> PREFERRED_FIRST =
      Comparator.comparingInt(Materializer::priority)
          .reversed()
          .thenComparing(m -> BUILT_IN.contains(m.getClass()))
          .thenComparing(Materializer::id);

  private final List<Materializer> all;

  private Materializers(List<Materializer> all) {
    this.all = all;
  }

  /** The materializers {@link ServiceLoader} finds with the thread's context class loader. */
  public static Materializers load() {
    return of(ServiceLoader.load(Materializer.class));
  }

  /** The materializers {@link ServiceLoader} finds with {@code loader}. */
  public static Materializers load(ClassLoader loader) {
    return of(ServiceLoader.load(Materializer.class, loader));
  }

  /**
   * The given materializers.
   *
   * @throws IllegalArgumentException if two have the same id
   */
  public static Materializers of(Iterable<? extends Materializer> materializers) {
    List<Materializer> list = new ArrayList<>();
    Map<String, Materializer> byId = new HashMap<>();
    for (Materializer m : materializers) {
      Materializer previous = byId.putIfAbsent(m.id(), m);
      if (previous != null) {
        throw new IllegalArgumentException(
            "two materializers have the id "
                + m.id()
                + ": "
                + previous.getClass().getName()
                + " and "
                + m.getClass().getName());
      }
      list.add(m);
    }
    list.sort(PREFERRED_FIRST);
    return new Materializers(List.copyOf(list));
  }

  /** All of them, the preferred first. */
  public List<Materializer> all() {
    return all;
  }

  /** The materializer to use for {@code type}, if any supports it. */
  public Optional<Materializer> find(Type type) {
    for (Materializer m : all) {
      if (m.supports(type)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /**
   * The materializer to use for {@code type}.
   *
   * @throws IllegalArgumentException if none supports it
   */
  public Materializer forType(Type type) {
    return find(type)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no materializer supports " + type.getTypeName() + "; known: " + ids()));
  }

  /** The materializer with this id, e.g. to read an artifact written by it. */
  public Optional<Materializer> byId(String id) {
    return all.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  @Override
  public String toString() {
    return "Materializers" + ids();
  }

  private List<String> ids() {
    return all.stream().map(Materializer::id).toList();
  }
}
