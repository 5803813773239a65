package dev.skiff.client;

import dev.skiff.core.internal.Types;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.StepRecord;
import dev.skiff.sdk.StepStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A step of a recorded run: its status and timing, the names of its outputs and visualizations, and
 * its outputs loaded as Java values through the materializer that wrote them. A {@code CACHED} step
 * has the outputs of the run it reused ({@link #cachedFrom()}).
 */
public final class StepView {
  private static final Pattern ELEMENT = Pattern.compile("(.+)\\[(\\d+)\\]");

  private final StepRecord step;
  private final Supplier<Map<String, ArtifactRecord>> outputs;
  private final Artifacts artifacts;
  private Map<String, ArtifactRecord> data;
  private Map<String, ArtifactRecord> visualizations;

  /** {@code outputs} is read once, when first needed: listing a run's steps reads no outputs. */
  StepView(StepRecord step, Supplier<Map<String, ArtifactRecord>> outputs, Artifacts artifacts) {
    this.step = step;
    this.outputs = outputs;
    this.artifacts = artifacts;
  }

  public String runId() {
    return step.runId();
  }

  public String name() {
    return step.name();
  }

  public StepStatus status() {
    return step.status();
  }

  /** The attempt recorded last (1 for a first attempt). */
  public int attempt() {
    return step.attempt();
  }

  /** Why the step failed or was skipped; empty otherwise. */
  public Optional<String> error() {
    return Optional.ofNullable(step.error());
  }

  /** For a {@code CACHED} step, the run whose outputs it reused. */
  public Optional<String> cachedFrom() {
    return Optional.ofNullable(step.cachedFrom());
  }

  public Optional<Instant> startedAt() {
    return Optional.ofNullable(step.startedAt());
  }

  public Optional<Instant> endedAt() {
    return Optional.ofNullable(step.endedAt());
  }

  /** From the last attempt's start to the step's end; empty unless both are known. */
  public Optional<Duration> duration() {
    return step.startedAt() == null || step.endedAt() == null
        ? Optional.empty()
        : Optional.of(Duration.between(step.startedAt(), step.endedAt()));
  }

  /**
   * The names of the data outputs, as stored: {@code output} for a single output, the components of
   * a record ({@code xTrain} …), and one name per element for a list stored element by element
   * ({@code output[0]} … for a map's result).
   */
  public List<String> outputs() {
    return List.copyOf(data().keySet());
  }

  /** The names of the visualizations the step attached ({@code skew_report} …). */
  public List<String> visualizations() {
    return List.copyOf(visualizationMap().keySet());
  }

  /**
   * The step's value as {@code type}: its only output, or, for a step that returns a record, the
   * record rebuilt from its components. A step with several outputs needs {@link #output(String,
   * Class)}; a map needs {@link #outputList(Class)}.
   */
  public <T> T output(Class<T> type) {
    Objects.requireNonNull(type, "type");
    List<String> plain = plainNames();
    if (plain.size() == 1) {
      return cast(type, artifacts.read(data().get(plain.get(0)), type));
    }
    if (plain.isEmpty()) {
      if (!data().isEmpty()) {
        throw fail(
            "is a map: its result is a list of "
                + data().size()
                + " elements: read it with outputList("
                + type.getSimpleName()
                + ".class)");
      }
      throw noOutputs();
    }
    if (type.isRecord() && hasComponents(type)) {
      return rebuild(type);
    }
    throw fail(
        "has "
            + plain.size()
            + " outputs ("
            + String.join(", ", plain)
            + "): name one with output(name, "
            + type.getSimpleName()
            + ".class)");
  }

  /** The output {@code name} ({@code output} for a step's single output) as {@code type}. */
  public <T> T output(String name, Class<T> type) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    return cast(type, artifacts.read(artifact(name), type));
  }

  /**
   * A list result with elements of {@code elementType}: the results of a map's instances in the
   * order of its items, or the step's single output when it is a list.
   */
  public <T> List<T> outputList(Class<T> elementType) {
    Objects.requireNonNull(elementType, "elementType");
    List<String> plain = plainNames();
    if (plain.isEmpty() && !data().isEmpty()) {
      String base = baseOfElements();
      List<T> list = new ArrayList<>();
      for (int i = 0; data().containsKey(base + "[" + i + "]"); i++) {
        list.add(cast(elementType, artifacts.read(data().get(base + "[" + i + "]"), elementType)));
      }
      return list;
    }
    if (plain.size() != 1) {
      throw plain.isEmpty()
          ? noOutputs()
          : fail(
              "has "
                  + plain.size()
                  + " outputs ("
                  + String.join(", ", plain)
                  + "): read the list with output(name, List.class)");
    }
    Object value = artifacts.read(data().get(plain.get(0)), Types.listOf(elementType));
    List<T> list = new ArrayList<>();
    for (Object element : (List<?>) value) {
      list.add(cast(elementType, element));
    }
    return list;
  }

  /** The bytes of the visualization {@code name}, checked against their content hash. */
  public byte[] visualization(String name) {
    Objects.requireNonNull(name, "name");
    ArtifactRecord a = visualizationMap().get(name);
    if (a == null) {
      throw fail(
          "has no visualization '"
              + name
              + "'"
              + (visualizationMap().isEmpty()
                  ? " (it attached none)"
                  : ": its visualizations are " + String.join(", ", visualizationMap().keySet())));
    }
    return artifacts.bytes(a);
  }

  /** The media type of the visualization {@code name}, e.g. {@code text/html}. */
  public String visualizationType(String name) {
    visualization(name); // same checks and errors
    return visualizationMap().get(name).type();
  }

  /**
   * Writes the visualization {@code name} to {@code file} (parent folders created) and returns
   * {@code file}: open an HTML report in a browser.
   */
  public Path saveVisualization(String name, Path file) {
    byte[] bytes = visualization(name);
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "StepView[" + step.name() + ", " + step.status() + ", run " + step.runId() + "]";
  }

  private synchronized Map<String, ArtifactRecord> data() {
    if (data == null) {
      Map<String, ArtifactRecord> all = outputs.get();
      data = ArtifactRecord.dataOnly(all);
      visualizations = new LinkedHashMap<>();
      all.forEach(
          (name, a) -> {
            if (a.kind() == ArtifactRecord.Kind.VISUALIZATION) {
              visualizations.put(name, a);
            }
          });
    }
    return data;
  }

  private Map<String, ArtifactRecord> visualizationMap() {
    data();
    return visualizations;
  }

  private ArtifactRecord artifact(String name) {
    ArtifactRecord a = data().get(name);
    if (a == null) {
      if (data().isEmpty()) {
        throw noOutputs();
      }
      throw fail(
          "has no output '" + name + "': its outputs are " + String.join(", ", data().keySet()));
    }
    return a;
  }

  /** Output names that are not elements of a list stored element by element. */
  private List<String> plainNames() {
    return data().keySet().stream().filter(n -> !ELEMENT.matcher(n).matches()).toList();
  }

  private String baseOfElements() {
    Matcher m = ELEMENT.matcher(data().keySet().iterator().next());
    return m.matches() ? m.group(1) : "output";
  }

  private boolean hasComponents(Class<?> type) {
    for (RecordComponent c : type.getRecordComponents()) {
      if (!data().containsKey(c.getName())) {
        return false;
      }
    }
    return true;
  }

  private <T> T rebuild(Class<T> type) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      values[i] =
          artifacts.read(data().get(components[i].getName()), components[i].getGenericType());
      types[i] = components[i].getType();
    }
    try {
      Constructor<T> c = type.getDeclaredConstructor(types);
      c.setAccessible(true);
      return c.newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw fail("cannot be rebuilt as " + type.getSimpleName() + ": " + e, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Class<T> type, Object value) {
    return (T) Types.boxed(type).cast(value);
  }

  private SkiffClientException noOutputs() {
    return fail(
        "has no outputs (status "
            + step.status()
            + (step.error() == null ? "" : ": " + step.error())
            + ")");
  }

  private SkiffClientException fail(String what) {
    return fail(what, null);
  }

  private SkiffClientException fail(String what, Throwable cause) {
    return new SkiffClientException(
        "step '" + step.name() + "' of run " + step.runId() + " " + what, cause);
  }
}
