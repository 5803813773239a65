package dev.skiff.sdk.internal;

import dev.skiff.sdk.Component;
import dev.skiff.sdk.Out;
import dev.skiff.sdk.StepSettings;
import java.util.function.Consumer;

/** An {@link Out}: a whole step output, or one record component of it. */
public final class OutputRef<T> implements Out<T> {
  /** Name of the single output of a step that does not return a record. */
  public static final String DEFAULT_OUTPUT = "output";

  private final StepDeclaration declaration;
  private final String component;

  OutputRef(StepDeclaration declaration, String component) {
    this.declaration = declaration;
    this.component = component;
  }

  public StepDeclaration declaration() {
    return declaration;
  }

  /** The record component this refers to, or null for the whole output. */
  public String component() {
    return component;
  }

  @Override
  public String step() {
    return declaration.name();
  }

  @Override
  public String name() {
    return component == null ? DEFAULT_OUTPUT : component;
  }

  @Override
  public <C> Out<C> get(Component<T, C> accessor) {
    if (component != null) {
      throw new IllegalArgumentException(
          "output '"
              + component
              + "' of step '"
              + step()
              + "' is already a component; get() applies to the whole output");
    }
    String name =
        Lambdas.methodName(accessor)
            .filter(n -> !n.startsWith("lambda$"))
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "get() on step '"
                            + step()
                            + "' needs a record accessor method reference such as Split::xTrain"));
    return new OutputRef<>(declaration, name);
  }

  @Override
  public Out<T> configure(Consumer<StepSettings.Builder> change) {
    StepSettings.Builder b = declaration.settings().toBuilder();
    change.accept(b);
    declaration.settings(b.build());
    return this;
  }

  @Override
  public Out<T> onlyIf(Out<Boolean> condition) {
    if (condition == null) {
      throw new IllegalArgumentException("condition of step '" + step() + "' is null");
    }
    declaration.addCondition((OutputRef<?>) condition);
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OutputRef<?> r
        && r.declaration == declaration
        && java.util.Objects.equals(r.component, component);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(declaration) * 31 + java.util.Objects.hashCode(component);
  }

  @Override
  public String toString() {
    return step() + "." + name();
  }
}
