package dev.skiff.core.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.core.internal.Hashing;
import dev.skiff.core.internal.Json;
import dev.skiff.core.internal.StepSignature;
import dev.skiff.core.internal.Types;
import dev.skiff.core.plan.HookKind;
import dev.skiff.core.plan.PipelineDefinitionException;
import dev.skiff.core.plan.PlanInput;
import dev.skiff.core.plan.PlanMap;
import dev.skiff.core.plan.PlanOutput;
import dev.skiff.core.plan.PlanSource;
import dev.skiff.core.plan.PlanStep;
import dev.skiff.core.plan.RunPlan;
import dev.skiff.core.plan.StepPolicy;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.ResolvedStack;
import dev.skiff.core.stack.SettingOverrides;
import dev.skiff.core.stack.SettingsResolver;
import dev.skiff.sdk.FanIn;
import dev.skiff.sdk.Input;
import dev.skiff.sdk.Names;
import dev.skiff.sdk.Param;
import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.PipelineSettings;
import dev.skiff.sdk.SingleArtifact;
import dev.skiff.sdk.StepSettings;
import dev.skiff.sdk.internal.OutputRef;
import dev.skiff.sdk.internal.PipelineRecorder;
import dev.skiff.sdk.internal.RunSummaryInput;
import dev.skiff.sdk.internal.StepDeclaration;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Compiles a {@link PipelineDefinition} into a {@link RunPlan}: checks names, wiring, types,
 * materializers and cycles, and resolves settings. Every error is a {@link
 * PipelineDefinitionException} with a one-line message.
 */
public final class PlanCompiler {
  private final Materializers materializers;
  private final Consumer<String> warnings;

  public PlanCompiler(Materializers materializers) {
    this(materializers, w -> {});
  }

  /**
   * @param warnings receives problems that do not stop the run, e.g. ignored settings
   */
  public PlanCompiler(Materializers materializers, Consumer<String> warnings) {
    this.materializers = materializers;
    this.warnings = warnings;
  }

  /** Compiles without a stack: setting keys are checked, not resolved. */
  public RunPlan compile(PipelineDefinition definition, PipelineSettings settings) {
    return compile(definition, settings, null);
  }

  /** Compiles for {@code stack}, resolving its components' settings into the plan. */
  public RunPlan compile(
      PipelineDefinition definition, PipelineSettings settings, ResolvedStack stack) {
    return compile(definition, settings, stack, SettingOverrides.NONE);
  }

  /**
   * Compiles for {@code stack} with {@code overrides} (the command line's {@code --set}) applied at
   * pipeline level over {@code settings}: its pipeline keys change the pipeline settings, its
   * component settings are resolved over the pipeline's own (and under the steps').
   */
  public RunPlan compile(
      PipelineDefinition definition,
      PipelineSettings code,
      ResolvedStack stack,
      SettingOverrides overrides) {
    return compile(definition, code, stack, RunConfig.of(overrides));
  }

  /**
   * Compiles for {@code stack} with a run's configuration ({@code --config}, {@code -p}, {@code
   * --set}): parameter values are replaced (typed by the parameter's declared type) before they are
   * stored and hashed, so only the steps whose parameters change get new cache keys; settings are
   * resolved as {@link SettingsResolver} says. An unknown step or parameter is an error naming the
   * closest.
   */
  public RunPlan compile(
      PipelineDefinition definition, PipelineSettings code, ResolvedStack stack, RunConfig config) {
    SettingOverrides overrides = config.settings();
    PipelineSettings settings = overrides.applyTo(code);
    String pipeline = definition.name();
    if (!Names.isValid(pipeline)) {
      throw new PipelineDefinitionException(
          "pipeline name '"
              + pipeline
              + "' is invalid: use a letter then letters, digits, '_' or '-' (at most 63)");
    }
    PipelineRecorder recorder;
    try {
      recorder = PipelineRecorder.record(definition);
    } catch (IllegalArgumentException e) {
      throw new PipelineDefinitionException("pipeline '" + pipeline + "': " + e.getMessage(), e);
    }
    List<StepDeclaration> declared = recorder.steps();
    if (declared.isEmpty()) {
      throw new PipelineDefinitionException(
          "pipeline '" + pipeline + "' declares no steps: add p.step(...) calls in define()");
    }
    Map<String, StepDeclaration> byName = new LinkedHashMap<>();
    for (StepDeclaration d : declared) {
      if (!Names.isValid(d.name())) {
        throw new PipelineDefinitionException(
            "step name '"
                + d.name()
                + "' in pipeline '"
                + pipeline
                + "' is invalid: use a letter then letters, digits, '_' or '-' (at most 63)");
      }
      if (byName.putIfAbsent(d.name(), d) != null) {
        throw new PipelineDefinitionException(
            "duplicate step name '"
                + d.name()
                + "' in pipeline '"
                + pipeline
                + "': step names must be unique");
      }
    }
    Map<String, StepSignature> signatures = new HashMap<>();
    for (StepDeclaration d : declared) {
      try {
        signatures.put(d.name(), StepSignature.of(d.name(), d.code()));
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new PipelineDefinitionException(e.getMessage(), e);
      }
    }
    checkConfig(pipeline, config, byName, signatures);
    SettingsResolver resolver = new SettingsResolver(stack, warnings);
    Map<String, JsonNode> pipelineSettings;
    List<PlanStep> steps = new ArrayList<>();
    // outputs a map runs over: step, output name, materializer of the elements
    Map<String, Map<String, String>> elements = new HashMap<>();
    try {
      pipelineSettings = resolver.pipelineLevel(settings.settings(), overrides, pipeline);
      for (StepDeclaration d : declared) {
        Map<String, JsonNode> stepSettings =
            resolver.stepLevel(
                pipelineSettings, d.settings().settings(), config.stepSettings(d.name()), d.name());
        steps.add(
            compileStep(
                pipeline, d, recorder, signatures, settings, stepSettings, elements, config));
      }
    } catch (ConfigException e) {
      throw new PipelineDefinitionException(e.getMessage(), e);
    }
    for (int i = 0; i < steps.size(); i++) {
      Map<String, String> mapped = elements.get(steps.get(i).name());
      if (mapped != null) {
        List<PlanOutput> outputs = new ArrayList<>();
        for (PlanOutput o : steps.get(i).outputs()) {
          outputs.add(mapped.containsKey(o.name()) ? o.withElements(mapped.get(o.name())) : o);
        }
        steps.set(i, steps.get(i).withOutputs(outputs));
      }
    }
    return new RunPlan(
        RunPlan.CURRENT_VERSION,
        pipeline,
        definition.getClass().getName(),
        settings.failFast(),
        settings.maxParallelism(),
        stack == null ? null : stack.name(),
        pipelineSettings,
        topologicalOrder(pipeline, steps));
  }

  /**
   * A stored plan with {@code overrides} (a resumed run's {@code --set}) set over its resolved
   * settings for {@code stack}, at pipeline level and in every step: they win over everything the
   * plan holds, step settings included. Pipeline keys cannot change once a run exists.
   */
  public RunPlan override(RunPlan plan, ResolvedStack stack, SettingOverrides overrides) {
    SettingsResolver resolver = new SettingsResolver(stack, warnings);
    resolver.checkResume(overrides);
    if (overrides.isEmpty()) {
      return plan;
    }
    Map<String, JsonNode> settings =
        resolver.override(plan.settings(), overrides, "run of pipeline '" + plan.pipeline() + "'");
    List<PlanStep> steps = new ArrayList<>();
    for (PlanStep s : plan.steps()) {
      steps.add(
          s.withSettings(resolver.override(s.settings(), overrides, "step '" + s.name() + "'")));
    }
    return new RunPlan(
        plan.version(),
        plan.pipeline(),
        plan.pipelineClass(),
        plan.failFast(),
        plan.maxParallelism(),
        plan.stack(),
        settings,
        steps);
  }

  /**
   * Every step and parameter the run's configuration names exists: one line with the closest name
   * otherwise.
   */
  private static void checkConfig(
      String pipeline,
      RunConfig config,
      Map<String, StepDeclaration> byName,
      Map<String, StepSignature> signatures) {
    List<String> stepNames = new ArrayList<>(byName.keySet());
    for (RunConfig.ParameterOverride o : config.parameters()) {
      StepDeclaration d = byName.get(o.step());
      if (d == null) {
        throw unknownStep(pipeline, o.step(), o.origin(), stepNames);
      }
      List<String> params = new ArrayList<>();
      List<String> names = signatures.get(d.name()).parameterNames();
      for (int i = 0; i < d.inputs().size() && i < names.size(); i++) {
        if (d.inputs().get(i) instanceof Param<?>) {
          params.add(names.get(i));
        }
      }
      if (!params.contains(o.parameter())) {
        if (names.contains(o.parameter())) {
          throw new PipelineDefinitionException(
              "input '"
                  + o.parameter()
                  + "' of step '"
                  + d.name()
                  + "' in "
                  + o.origin()
                  + " is not a parameter: only Param.of(...) inputs can be set"
                  + (params.isEmpty() ? "" : " (parameters: " + String.join(", ", params) + ")"));
        }
        throw new PipelineDefinitionException(
            "unknown parameter '"
                + o.parameter()
                + "' of step '"
                + d.name()
                + "' in "
                + o.origin()
                + (params.isEmpty()
                    ? ": the step has no parameters"
                    : dev.skiff.core.stack.ConfigBinder.closest(o.parameter(), params)
                            .map(k -> ": did you mean '" + k + "'?")
                            .orElse("")
                        + " (parameters: "
                        + String.join(", ", params)
                        + ")"));
      }
    }
    config
        .stepSettingOrigins()
        .forEach(
            (step, origin) -> {
              if (!byName.containsKey(step)) {
                throw unknownStep(pipeline, step, origin, stepNames);
              }
            });
  }

  private static PipelineDefinitionException unknownStep(
      String pipeline, String step, String origin, List<String> steps) {
    return new PipelineDefinitionException(
        "unknown step '"
            + step
            + "' in "
            + origin
            + dev.skiff.core.stack.ConfigBinder.closest(step, steps)
                .map(k -> ": did you mean '" + k + "'?")
                .orElse("")
            + " (steps of pipeline '"
            + pipeline
            + "': "
            + String.join(", ", steps)
            + ")");
  }

  private PlanStep compileStep(
      String pipeline,
      StepDeclaration d,
      PipelineRecorder recorder,
      Map<String, StepSignature> signatures,
      PipelineSettings settings,
      Map<String, JsonNode> stepSettings,
      Map<String, Map<String, String>> elements,
      RunConfig config) {
    StepSignature sig = signatures.get(d.name());
    List<Input<?>> inputs = d.inputs();
    if (sig.parameterTypes().size() != inputs.size()) {
      throw new PipelineDefinitionException(
          "step '"
              + d.name()
              + "' takes "
              + sig.parameterTypes().size()
              + " arguments but is given "
              + inputs.size());
    }
    List<PlanInput> planInputs = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      planInputs.add(
          compileInput(pipeline, d, i, inputs.get(i), sig, recorder, signatures, elements, config));
    }
    List<PlanSource> conditions = new ArrayList<>();
    for (OutputRef<?> c : d.conditions()) {
      if (d.kind().isHook()) {
        throw new PipelineDefinitionException(
            "hook '"
                + d.name()
                + "' cannot have a condition: hooks run after every other step, by how the run"
                + " ended");
      }
      StepDeclaration source = source(pipeline, d, c, recorder);
      Type produced = producedType(d, "condition", c, signatures.get(source.name()), source);
      if (Types.boxed(Types.raw(produced)) != Boolean.class) {
        throw new PipelineDefinitionException(
            "the condition of step '"
                + d.name()
                + "' must be a boolean output, but output '"
                + c
                + "' is "
                + Types.simpleName(produced));
      }
      conditions.add(
          new PlanSource(
              source.name(), c.component() != null ? c.component() : OutputRef.DEFAULT_OUTPUT));
    }
    List<String> after = new ArrayList<>();
    for (StepDeclaration up : d.after()) {
      if (d.kind().isHook() || up.kind().isHook()) {
        throw new PipelineDefinitionException(
            "step '"
                + d.name()
                + "' cannot run after '"
                + up.name()
                + "': hooks run after every other step, and nothing runs after them");
      }
      if (up.owner() != recorder) {
        throw new PipelineDefinitionException(
            "step '"
                + d.name()
                + "' runs after unknown step '"
                + up.name()
                + "' (not declared in pipeline '"
                + pipeline
                + "')");
      }
      after.add(up.name());
    }
    Type ret = sig.returnType();
    boolean returnsNothing = Types.raw(ret) == void.class || Types.raw(ret) == Void.class;
    boolean isMap = d.kind() == StepDeclaration.Kind.MAP;
    boolean isRecord =
        !isMap
            && Types.raw(ret).isRecord()
            && !Types.raw(ret).isAnnotationPresent(SingleArtifact.class);
    List<PlanOutput> outputs = new ArrayList<>();
    StepSettings s = d.settings();
    if (s.maxParallelism().isPresent() && !isMap) {
      throw new PipelineDefinitionException(
          "maxParallelism applies to map steps only: step '" + d.name() + "' is not a map");
    }
    if (isMap) {
      if (!returnsNothing) {
        // the instances' outputs, element by element; no artifact holds the whole list
        outputs.add(
            new PlanOutput(
                OutputRef.DEFAULT_OUTPUT,
                Types.listOf(ret).getTypeName(),
                null,
                output(d.name(), OutputRef.DEFAULT_OUTPUT, ret).materializer()));
      }
    } else if (isRecord) {
      for (RecordComponent rc : Types.raw(ret).getRecordComponents()) {
        outputs.add(output(d.name(), rc.getName(), rc.getGenericType()));
      }
    } else if (!returnsNothing) {
      outputs.add(output(d.name(), OutputRef.DEFAULT_OUTPUT, ret));
    }
    StepPolicy policy =
        StepPolicy.of(
            // a hook reports on this run: never reuse an earlier one's
            !d.kind().isHook() && s.enableCache().orElse(settings.enableCache()),
            s.retry().orElse(settings.retry()),
            s.timeout().or(settings::stepTimeout).orElse(null));
    return new PlanStep(
        d.name(),
        sig.function(),
        sig.codeHash(),
        planInputs,
        outputs,
        isRecord,
        after,
        policy,
        stepSettings,
        isMap ? new PlanMap(s.maxParallelism().orElse(0)) : null,
        conditions,
        d.kind().isHook() ? HookKind.valueOf(d.kind().name()) : null);
  }

  private PlanOutput output(String step, String name, Type type) {
    String materializer =
        materializers
            .forType(type)
            .orElseThrow(
                () ->
                    new PipelineDefinitionException(
                        "no materializer for output '"
                            + name
                            + "' of step '"
                            + step
                            + "' (type "
                            + Types.simpleName(type)
                            + "): use a record, array or primitive type, or register a dev.skiff.sdk.Materializer"))
            .id();
    return new PlanOutput(name, type.getTypeName(), materializer);
  }

  private PlanInput compileInput(
      String pipeline,
      StepDeclaration d,
      int index,
      Input<?> input,
      StepSignature sig,
      PipelineRecorder recorder,
      Map<String, StepSignature> signatures,
      Map<String, Map<String, String>> elements,
      RunConfig config) {
    Type expected = sig.parameterTypes().get(index);
    String name = sig.parameterNames().get(index);
    if (input instanceof RunSummaryInput) {
      if (!d.kind().isHook() || index != 0) {
        throw new PipelineDefinitionException(
            "input '" + name + "' of step '" + d.name() + "': only hooks receive the run summary");
      }
      return PlanInput.summary(name, expected.getTypeName());
    }
    if (d.kind().isHook() && !(input instanceof Param<?>)) {
      throw new PipelineDefinitionException(
          "hook '"
              + d.name()
              + "' takes only parameters besides the run summary: input '"
              + name
              + "' is not Param.of(...)");
    }
    if (input instanceof FanIn<?> fanIn) {
      return compileFanIn(pipeline, d, name, expected, fanIn, recorder, signatures);
    }
    if (input instanceof Param<?> p) {
      Object value = p.value();
      if (!Types.assignable(expected, value.getClass())) {
        throw new PipelineDefinitionException(
            "type mismatch: parameter '"
                + name
                + "' of step '"
                + d.name()
                + "' expects "
                + Types.simpleName(expected)
                + " but is given a parameter of type "
                + Types.simpleName(value.getClass()));
      }
      try {
        JsonNode json = config.apply(d.name(), name, expected, Json.mapper().valueToTree(value));
        String hash = Hashing.sha256(Json.mapper().writeValueAsString(json));
        return PlanInput.parameter(name, expected.getTypeName(), json, hash);
      } catch (IllegalArgumentException | JsonProcessingException e) {
        throw new PipelineDefinitionException(
            "parameter '"
                + name
                + "' of step '"
                + d.name()
                + "' cannot be stored as JSON: use a record of plain values",
            e);
      }
    }
    if (!(input instanceof OutputRef<?> ref)) {
      throw new PipelineDefinitionException(
          "input '" + name + "' of step '" + d.name() + "' must be a step output or Param.of(...)");
    }
    StepDeclaration source = source(pipeline, d, ref, recorder);
    Type produced = producedType(d, name, ref, signatures.get(source.name()), source);
    if (d.kind() == StepDeclaration.Kind.MAP && index == 0) {
      return compileItems(d, name, expected, ref, source, produced, elements);
    }
    if (!Types.assignable(expected, produced)) {
      throw new PipelineDefinitionException(
          "type mismatch: parameter '"
              + name
              + "' of step '"
              + d.name()
              + "' expects "
              + Types.simpleName(expected)
              + " but output '"
              + ref
              + "' is "
              + Types.simpleName(produced));
    }
    return PlanInput.artifact(name, expected.getTypeName(), source.name(), ref.component());
  }

  /**
   * The items of a map: an output that is a list, stored element by element for it (unless it is
   * the result of another map, which already is).
   */
  private PlanInput compileItems(
      StepDeclaration d,
      String name,
      Type expected,
      OutputRef<?> ref,
      StepDeclaration source,
      Type produced,
      Map<String, Map<String, String>> elements) {
    if (!java.util.List.class.isAssignableFrom(Types.raw(produced))) {
      throw new PipelineDefinitionException(
          "map '"
              + d.name()
              + "' runs over a list, but output '"
              + ref
              + "' is "
              + Types.simpleName(produced));
    }
    Type element = Types.elementOf(produced);
    if (!Types.assignable(expected, element)) {
      throw new PipelineDefinitionException(
          "type mismatch: parameter '"
              + name
              + "' of map '"
              + d.name()
              + "' expects "
              + Types.simpleName(expected)
              + " but the elements of output '"
              + ref
              + "' are "
              + Types.simpleName(element));
    }
    String output = ref.component() != null ? ref.component() : OutputRef.DEFAULT_OUTPUT;
    if (source.kind() != StepDeclaration.Kind.MAP) {
      String materializer =
          materializers
              .forType(expected)
              .orElseThrow(
                  () ->
                      new PipelineDefinitionException(
                          "no materializer for the elements of output '"
                              + ref
                              + "' (type "
                              + Types.simpleName(expected)
                              + "), which map '"
                              + d.name()
                              + "' runs over: use a record, array or primitive type, or register a"
                              + " dev.skiff.sdk.Materializer"))
              .id();
      elements
          .computeIfAbsent(source.name(), k -> new HashMap<>())
          .putIfAbsent(output, materializer);
    }
    return PlanInput.artifact(name, expected.getTypeName(), source.name(), output);
  }

  /** {@code Inputs.all(...)}: a list parameter fed by several outputs, each checked. */
  private PlanInput compileFanIn(
      String pipeline,
      StepDeclaration d,
      String name,
      Type expected,
      FanIn<?> fanIn,
      PipelineRecorder recorder,
      Map<String, StepSignature> signatures) {
    if (!Types.raw(expected).isAssignableFrom(java.util.List.class)) {
      throw new PipelineDefinitionException(
          "type mismatch: parameter '"
              + name
              + "' of step '"
              + d.name()
              + "' expects "
              + Types.simpleName(expected)
              + " but is given Inputs.all(...), a List");
    }
    Type element = Types.elementOf(expected);
    List<PlanSource> sources = new ArrayList<>();
    for (int i = 0; i < fanIn.sources().size(); i++) {
      if (!(fanIn.sources().get(i) instanceof OutputRef<?> ref)) {
        throw new PipelineDefinitionException(
            "element "
                + i
                + " of input '"
                + name
                + "' of step '"
                + d.name()
                + "' is not a step output");
      }
      StepDeclaration source = source(pipeline, d, ref, recorder);
      Type produced = producedType(d, name, ref, signatures.get(source.name()), source);
      if (!Types.assignable(element, produced)) {
        throw new PipelineDefinitionException(
            "type mismatch: element "
                + i
                + " of parameter '"
                + name
                + "' of step '"
                + d.name()
                + "' expects "
                + Types.simpleName(element)
                + " but output '"
                + ref
                + "' is "
                + Types.simpleName(produced));
      }
      sources.add(new PlanSource(source.name(), ref.component()));
    }
    return PlanInput.fanIn(name, expected.getTypeName(), sources);
  }

  /**
   * The step behind an output that {@code d} reads: declared in this pipeline, not {@code d}
   * itself, not a hook.
   */
  private static StepDeclaration source(
      String pipeline, StepDeclaration d, OutputRef<?> ref, PipelineRecorder recorder) {
    StepDeclaration source = ref.declaration();
    if (source.owner() != recorder) {
      throw new PipelineDefinitionException(
          "step '"
              + d.name()
              + "' uses an output of unknown step '"
              + source.name()
              + "' (not declared in pipeline '"
              + pipeline
              + "')");
    }
    if (source == d) {
      throw new PipelineDefinitionException(
          "cycle in pipeline '" + pipeline + "': " + d.name() + " -> " + d.name());
    }
    if (source.kind().isHook()) {
      throw new PipelineDefinitionException(
          "step '"
              + d.name()
              + "' uses the output of hook '"
              + source.name()
              + "': hooks run after every other step, so no step can take their outputs");
    }
    return source;
  }

  private static Type producedType(
      StepDeclaration d,
      String input,
      OutputRef<?> ref,
      StepSignature source,
      StepDeclaration declaration) {
    Type ret = source.returnType();
    if (declaration.kind() == StepDeclaration.Kind.MAP) {
      if (Types.raw(ret) == void.class || Types.raw(ret) == Void.class) {
        throw new PipelineDefinitionException(
            "step '"
                + d.name()
                + "' uses the result of map '"
                + declaration.name()
                + "', whose code returns nothing (Void): its instances have no outputs to pass on");
      }
      ret = Types.listOf(ret);
    }
    if (ref.component() == null) {
      return ret;
    }
    Class<?> raw = Types.raw(ret);
    if (!raw.isRecord() || raw.isAnnotationPresent(SingleArtifact.class)) {
      throw new PipelineDefinitionException(
          "input '"
              + input
              + "' of step '"
              + d.name()
              + "' takes component '"
              + ref.component()
              + "' of step '"
              + ref.step()
              + "', whose output is not a record: pass the output itself");
    }
    for (RecordComponent rc : raw.getRecordComponents()) {
      if (rc.getName().equals(ref.component())) {
        return rc.getGenericType();
      }
    }
    throw new PipelineDefinitionException(
        "step '"
            + ref.step()
            + "' has no output '"
            + ref.component()
            + "' (outputs: "
            + java.util.Arrays.stream(raw.getRecordComponents())
                .map(RecordComponent::getName)
                .collect(Collectors.joining(", "))
            + ")");
  }

  /** Kahn's algorithm, stable in declaration order; a leftover means a cycle, which is named. */
  private static List<PlanStep> topologicalOrder(String pipeline, List<PlanStep> steps) {
    Map<String, PlanStep> byName = new LinkedHashMap<>();
    steps.forEach(s -> byName.put(s.name(), s));
    Map<String, Integer> indegree = new HashMap<>();
    Map<String, List<String>> children = new HashMap<>();
    for (PlanStep s : steps) {
      indegree.put(s.name(), s.upstream().size());
      for (String up : s.upstream()) {
        children.computeIfAbsent(up, k -> new ArrayList<>()).add(s.name());
      }
    }
    List<PlanStep> order = new ArrayList<>();
    Deque<String> ready = new ArrayDeque<>();
    steps.stream().filter(s -> indegree.get(s.name()) == 0).forEach(s -> ready.add(s.name()));
    while (!ready.isEmpty()) {
      String n = ready.poll();
      order.add(byName.get(n));
      for (String c : children.getOrDefault(n, List.of())) {
        if (indegree.merge(c, -1, Integer::sum) == 0) {
          ready.add(c);
        }
      }
    }
    if (order.size() < steps.size()) {
      throw new PipelineDefinitionException(
          "cycle in pipeline '" + pipeline + "': " + describeCycle(byName, indegree));
    }
    return order;
  }

  private static String describeCycle(Map<String, PlanStep> byName, Map<String, Integer> indegree) {
    String start =
        indegree.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(Map.Entry::getKey)
            .sorted()
            .findFirst()
            .orElseThrow();
    List<String> path = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String cur = start;
    while (seen.add(cur)) {
      path.add(cur);
      String next = null;
      for (String up : byName.get(cur).upstream()) {
        if (indegree.get(up) > 0) {
          next = up;
          break;
        }
      }
      cur = next;
    }
    List<String> cycle = new ArrayList<>(path.subList(path.indexOf(cur), path.size()));
    java.util.Collections.reverse(cycle);
    // Start at the step declared first, so the message does not depend on hash order.
    List<String> declared = new ArrayList<>(byName.keySet());
    String first =
        cycle.stream().min(java.util.Comparator.comparingInt(declared::indexOf)).orElseThrow();
    java.util.Collections.rotate(cycle, -cycle.indexOf(first));
    cycle.add(cycle.get(0));
    return String.join(" -> ", cycle);
  }
}
