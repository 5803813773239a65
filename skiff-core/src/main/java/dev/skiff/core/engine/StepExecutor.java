package dev.skiff.core.engine;

import dev.skiff.core.engine.internal.StepContextImpl;
import dev.skiff.core.internal.Hashing;
import dev.skiff.core.internal.Json;
import dev.skiff.core.internal.StartupTrace;
import dev.skiff.core.internal.StepCode;
import dev.skiff.core.internal.StepSignature;
import dev.skiff.core.internal.Types;
import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanOutputs;
import dev.skiff.core.plan.PlanSource;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.spi.ArtifactReader;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.StaleAttemptException;
import dev.skiff.core.spi.StepFailedException;
import dev.skiff.core.spi.StepLogSink;
import dev.skiff.sdk.CurrentStep;
import dev.skiff.sdk.Materializer;
import dev.skiff.sdk.Visualization;
import dev.skiff.sdk.internal.StepDeclaration;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs one attempt of one step in this JVM: finds the step's code and checks it is the code the
 * plan was compiled from, loads the inputs, calls the step with its {@link
 * dev.skiff.sdk.StepContext} bound, writes the outputs and visualizations, and records them. Shared
 * by the in-process launcher, step subprocesses and step pods.
 */
public final class StepExecutor {
  private final MetadataStore store;
  private final ArtifactStore artifacts;
  private final Materializers materializers;
  private final ClassLoader loader;
  private final Clock clock = Clock.systemUTC();

  /** Outputs of steps whose list a map runs over, by run and step: see {@link #outputsOf}. */
  private final Map<String, Map<String, ArtifactRecord>> itemOutputs =
      new java.util.concurrent.ConcurrentHashMap<>();

  public StepExecutor(
      MetadataStore store,
      ArtifactStore artifacts,
      Materializers materializers,
      ClassLoader loader) {
    this.store = store;
    this.artifacts = artifacts;
    this.materializers = materializers;
    this.loader = loader;
  }

  /** Runs the attempt; returns the data outputs, or throws {@link StepFailedException}. */
  public Map<String, ArtifactRecord> execute(
      RunPlan plan, String runId, PlanStep step, int attempt, StepLogSink log) {
    return execute(plan, runId, step, attempt, log, null);
  }

  /**
   * Runs the attempt holding {@code token} (null: unfenced); its outputs are recorded only while it
   * is the step's current attempt, else it fails as {@link dev.skiff.sdk.FailureKind#CANCELLED}.
   */
  public Map<String, ArtifactRecord> execute(
      RunPlan plan, String runId, PlanStep step, int attempt, StepLogSink log, String token) {
    // a map instance (m[3]) runs the code of its map (m)
    StepDeclaration declaration = StepCode.find(plan.pipelineClass(), step.declaredName(), loader);
    StepSignature signature = StepSignature.of(step.declaredName(), declaration.code());
    String codeHash = signature.codeHash();
    if (!codeHash.equals(step.codeHash())) {
      throw new StepFailedException(
          "the code of step '"
              + step.name()
              + "' differs from the code the run was compiled from: rebuild the image or class path from the same sources");
    }
    Map<String, String> inputIds = new LinkedHashMap<>();
    Object[] args = loadInputs(plan, runId, step, signature, inputIds);
    StartupTrace.mark("inputs-loaded");
    StepContextImpl context =
        new StepContextImpl(runId, plan.pipeline(), step.name(), attempt, log);
    Object result;
    CurrentStep.set(context);
    try {
      result = declaration.code().invoke(args);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailedException(dev.skiff.sdk.FailureKind.CANCELLED, "interrupted", e);
    } catch (Exception | LinkageError | AssertionError | OutOfMemoryError | StackOverflowError e) {
      logStackTrace(e, log); // the step log keeps the whole trace; the failure keeps one line
      throw new StepFailedException(StepFailedException.describe(e), e);
    } finally {
      CurrentStep.clear();
    }
    Map<String, ArtifactRecord> outputs = writeOutputs(runId, step, attempt, result);
    Map<String, String> links = new LinkedHashMap<>();
    outputs.forEach((name, a) -> links.put(name, a.id()));
    for (Visualization v : context.visualizations()) {
      if (links.containsKey(v.name())) {
        throw new StepFailedException(
            "visualization '"
                + v.name()
                + "' of step '"
                + step.name()
                + "' has the name of an output: rename it");
      }
      ArtifactRecord a = writeVisualization(runId, step, attempt, v);
      links.put(v.name(), a.id());
    }
    if (links.isEmpty() && inputIds.isEmpty()) {
      // Nothing to publish: an attempt without outputs, visualizations or data inputs records no
      // lineage, and no earlier attempt of this step in this run linked any (links are published
      // only on success). Skipping the transaction halves the metadata writes of such steps.
      return outputs;
    }
    if (token == null) {
      store.linkArtifacts(runId, step.name(), links, inputIds);
    } else {
      try {
        store.publishOutputs(runId, step.name(), token, links, inputIds);
      } catch (StaleAttemptException e) {
        throw e.asFailure();
      }
    }
    return outputs;
  }

  private Object[] loadInputs(
      RunPlan plan,
      String runId,
      PlanStep step,
      StepSignature signature,
      Map<String, String> inputIds) {
    List<PlanInput> inputs = step.inputs();
    Object[] args = new Object[inputs.size()];
    Map<String, Map<String, ArtifactRecord>> upstreamOutputs = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      PlanInput in = inputs.get(i);
      Type type = signature.parameterTypes().get(i);
      if (in.isParameter()) {
        args[i] = Json.mapper().convertValue(in.value(), Json.mapper().constructType(type));
      } else if (in.runSummary()) {
        args[i] = readSummary(runId, step, in, type, inputIds);
      } else if (in.isFanIn()) {
        Type element = Types.elementOf(type);
        List<Object> list = new ArrayList<>();
        for (int j = 0; j < in.sources().size(); j++) {
          PlanSource src = in.sources().get(j);
          list.add(
              load(
                  plan,
                  runId,
                  PlanStep.elementName(in.name(), j),
                  src.step(),
                  src.output(),
                  element,
                  upstreamOutputs,
                  inputIds));
        }
        args[i] = list;
      } else {
        args[i] =
            load(plan, runId, in.name(), in.step(), in.output(), type, upstreamOutputs, inputIds);
      }
    }
    return args;
  }

  /**
   * Reads what one reference to an output gives: one artifact, a record rebuilt from its
   * components, or the list of a map's results; records lineage under {@code name} ({@code
   * name.component}, {@code name[i]}).
   */
  private Object load(
      RunPlan plan,
      String runId,
      String name,
      String step,
      String output,
      Type type,
      Map<String, Map<String, ArtifactRecord>> upstreamOutputs,
      Map<String, String> inputIds) {
    Map<String, ArtifactRecord> outs = outputsOf(runId, step, output, upstreamOutputs);
    PlanStep up = plan.step(step);
    if (output == null && up.map() != null) {
      String base = up.outputs().isEmpty() ? PlanOutputs.DEFAULT : up.outputs().get(0).name();
      Type element = Types.elementOf(type);
      List<Object> list = new ArrayList<>();
      for (int j = 0; outs.containsKey(PlanStep.elementName(base, j)); j++) {
        ArtifactRecord a = outs.get(PlanStep.elementName(base, j));
        inputIds.put(PlanStep.elementName(name, j), a.id());
        list.add(read(a, element));
      }
      return list;
    }
    if (output != null || !up.recordOutput()) {
      ArtifactRecord a = required(outs, step, output != null ? output : PlanOutputs.DEFAULT);
      inputIds.put(name, a.id());
      return read(a, type);
    }
    return rebuildRecord(Types.raw(type), outs, step, name, inputIds);
  }

  /**
   * The outputs of an upstream step. The element of a map's items ({@code items[i]}) is read by
   * each of the map's instances: those are kept for the life of this executor (one run's driver),
   * so a map over n elements reads the store's list once, not n times. An upstream step's outputs
   * do not change while a later step runs.
   */
  private Map<String, ArtifactRecord> outputsOf(
      String runId,
      String step,
      String output,
      Map<String, Map<String, ArtifactRecord>> upstreamOutputs) {
    if (output != null && output.endsWith("]")) {
      return itemOutputs.computeIfAbsent(
          runId + "\n" + step, k -> Map.copyOf(store.stepOutputs(runId, step)));
    }
    return upstreamOutputs.computeIfAbsent(step, s -> store.stepOutputs(runId, s));
  }

  /** A hook's run summary: the artifact the driver linked as its input before the launch. */
  private Object readSummary(
      String runId, PlanStep step, PlanInput in, Type type, Map<String, String> inputIds) {
    String id = store.stepInputs(runId, step.name()).get(in.name());
    ArtifactRecord a = id == null ? null : store.findArtifact(id).orElse(null);
    if (a == null) {
      throw new StepFailedException(
          "input missing: no run summary is recorded for hook '" + step.name() + "' in this run");
    }
    inputIds.put(in.name(), a.id());
    return read(a, type);
  }

  /** Reads a value the driver needs (a condition), checked against its content hash. */
  Object readValue(ArtifactRecord a, Type type) {
    return read(a, type);
  }

  /** Writes a value the driver produces (the run summary) as an artifact of no step. */
  ArtifactRecord writeValue(String runId, String name, Type type, Object value) {
    Materializer m =
        materializers
            .forType(type)
            .orElseThrow(
                () -> new IllegalStateException("no materializer for " + type.getTypeName()));
    return writeArtifact(
        runId,
        null,
        name,
        "runs/" + runId + "/" + name + "/" + newId(),
        type.getTypeName(),
        m,
        type,
        value);
  }

  private Object rebuildRecord(
      Class<?> type,
      Map<String, ArtifactRecord> outs,
      String step,
      String name,
      Map<String, String> inputIds) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      ArtifactRecord a = required(outs, step, components[i].getName());
      inputIds.put(name + "." + components[i].getName(), a.id());
      values[i] = read(a, components[i].getGenericType());
      types[i] = components[i].getType();
    }
    try {
      Constructor<?> c = type.getDeclaredConstructor(types);
      c.setAccessible(true);
      return c.newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new StepFailedException(
          "cannot rebuild record "
              + type.getSimpleName()
              + " from the outputs of step '"
              + step
              + "': "
              + e);
    }
  }

  private static ArtifactRecord required(
      Map<String, ArtifactRecord> outs, String step, String name) {
    ArtifactRecord a = outs.get(name);
    if (a == null) {
      throw new StepFailedException(
          "input missing: step '" + step + "' has no recorded output '" + name + "' in this run");
    }
    return a;
  }

  /**
   * Reads an input checked against its content hash. Damaged or missing bytes fail the step with
   * one line naming the artifact, its producer and both hashes, and mark the artifact corrupt so
   * the next run's cache lookup re-runs its producer. A materializer that chokes on damaged bytes
   * is reported as the damage, not as its own error.
   */
  private Object read(ArtifactRecord a, Type type) {
    Materializer m = materializers.byId(a.materializer());
    InputStream in = null;
    try {
      in = ArtifactReader.open(artifacts, a);
      Object value;
      try {
        value = m.read(type, in);
      } catch (IOException | RuntimeException readFailure) {
        closeChecked(in, readFailure);
        throw readFailure;
      }
      in.close();
      return value;
    } catch (ArtifactReader.CorruptArtifactException e) {
      store.markArtifactCorrupt(a.id());
      throw new StepFailedException(e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new StepFailedException(
          "cannot read " + ArtifactReader.describe(a) + " at " + a.path() + ": " + e.getMessage(),
          e);
    }
  }

  /** Closes (so verifies) a stream whose reader failed: corruption found there wins. */
  private static void closeChecked(InputStream in, Exception readFailure)
      throws ArtifactReader.CorruptArtifactException {
    try {
      in.close();
    } catch (ArtifactReader.CorruptArtifactException corrupt) {
      corrupt.addSuppressed(readFailure);
      throw corrupt;
    } catch (IOException other) {
      readFailure.addSuppressed(other);
    }
  }

  private Map<String, ArtifactRecord> writeOutputs(
      String runId, PlanStep step, int attempt, Object result) {
    Map<String, ArtifactRecord> outputs = new LinkedHashMap<>();
    if (step.outputs().isEmpty()) {
      return outputs;
    }
    if (result == null) {
      throw new StepFailedException(
          "step '"
              + step.name()
              + "' returned null: return a value (a step without outputs returns Void: return null)");
    }
    if (step.recordOutput()) {
      for (RecordComponent rc : result.getClass().getRecordComponents()) {
        Object value;
        try {
          var accessor = rc.getAccessor();
          accessor.setAccessible(true);
          value = accessor.invoke(result);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new StepFailedException(
              "cannot read component " + rc.getName() + " of the result: " + e);
        }
        if (value == null) {
          throw new StepFailedException(
              "step '" + step.name() + "' returned null for output '" + rc.getName() + "'");
        }
        PlanOutput out = step.output(rc.getName());
        outputs.put(rc.getName(), writeData(runId, step, attempt, out, rc.getGenericType(), value));
        if (out.elementMaterializer() != null) {
          outputs.putAll(writeElements(runId, step, attempt, out, value));
        }
      }
    } else {
      PlanOutput out = step.outputs().get(0);
      outputs.put(out.name(), writeData(runId, step, attempt, out, result.getClass(), result));
      if (out.elementMaterializer() != null) {
        outputs.putAll(writeElements(runId, step, attempt, out, result));
      }
    }
    return outputs;
  }

  /** A list a map runs over, element by element: {@code name[0]}, {@code name[1]}, … */
  private Map<String, ArtifactRecord> writeElements(
      String runId, PlanStep step, int attempt, PlanOutput out, Object value) {
    if (!(value instanceof List<?> list)) {
      throw new StepFailedException(
          "output '"
              + out.name()
              + "' of step '"
              + step.name()
              + "' is the list of items of a map, but is a "
              + value.getClass().getName());
    }
    Materializer m = materializers.byId(out.elementMaterializer());
    Map<String, ArtifactRecord> elements = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      Object e = list.get(i);
      if (e == null) {
        throw new StepFailedException(
            "element "
                + i
                + " of output '"
                + out.name()
                + "' of step '"
                + step.name()
                + "' is null: a map runs over non-null elements");
      }
      String name = PlanStep.elementName(out.name(), i);
      elements.put(
          name,
          writeArtifact(
              runId,
              step.name(),
              name,
              "runs/" + runId + "/" + step.name() + "/" + attempt + "/" + name,
              e.getClass().getName(),
              m,
              e.getClass(),
              e));
    }
    return elements;
  }

  private ArtifactRecord writeData(
      String runId, PlanStep step, int attempt, PlanOutput out, Type type, Object value) {
    return writeArtifact(
        runId,
        step.name(),
        out.name(),
        "runs/" + runId + "/" + step.name() + "/" + attempt + "/" + out.name(),
        out.type(),
        materializers.byId(out.materializer()),
        type,
        value);
  }

  private ArtifactRecord writeArtifact(
      String runId,
      String step,
      String name,
      String path,
      String typeName,
      Materializer m,
      Type type,
      Object value) {
    MessageDigest digest = Hashing.sha256();
    long[] size = new long[1];
    try {
      artifacts.write(
          path,
          blob -> {
            CountingOutputStream counter = new CountingOutputStream(blob);
            OutputStream os =
                new BufferedOutputStream(new DigestOutputStream(counter, digest), 1 << 16);
            m.write(value, type, os);
            os.flush();
            size[0] = counter.count;
          });
    } catch (IOException | RuntimeException e) {
      throw new StepFailedException(
          "cannot write output '"
              + name
              + "'"
              + (step == null ? "" : " of step '" + step + "'")
              + ": "
              + e.getMessage(),
          e);
    }
    return save(
        new ArtifactRecord(
            newId(),
            runId,
            step,
            name,
            ArtifactRecord.Kind.DATA,
            typeName,
            m.id(),
            path,
            Hashing.hex(digest),
            size[0],
            clock.instant()));
  }

  private ArtifactRecord writeVisualization(
      String runId, PlanStep step, int attempt, Visualization v) {
    String path =
        "runs/"
            + runId
            + "/"
            + step.name()
            + "/"
            + attempt
            + "/"
            + v.name()
            + "."
            + v.kind().extension();
    byte[] content = v.content();
    try {
      artifacts.write(path, out -> out.write(content));
    } catch (IOException e) {
      throw new StepFailedException(
          "cannot write visualization '" + v.name() + "': " + e.getMessage(), e);
    }
    return save(
        new ArtifactRecord(
            newId(),
            runId,
            step.name(),
            v.name(),
            ArtifactRecord.Kind.VISUALIZATION,
            v.kind().mediaType(),
            null,
            path,
            Hashing.sha256(content),
            content.length,
            clock.instant()));
  }

  private ArtifactRecord save(ArtifactRecord a) {
    store.saveArtifact(a);
    return a;
  }

  private static String newId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private static void logStackTrace(Throwable e, StepLogSink log) {
    java.io.StringWriter trace = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(trace));
    trace.toString().lines().forEach(log::line);
  }

  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
