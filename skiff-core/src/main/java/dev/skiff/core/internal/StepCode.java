package dev.skiff.core.internal;

import dev.skiff.sdk.PipelineDefinition;
import dev.skiff.sdk.internal.PipelineRecorder;
import dev.skiff.sdk.internal.StepDeclaration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a step's code by (pipeline class, step name): re-creates the definition and records its
 * steps once per class loader and class.
 */
public final class StepCode {
  private static final Map<Class<?>, Map<String, StepDeclaration>> CACHE =
      new ConcurrentHashMap<>();

  private StepCode() {}

  /**
   * Fails with the fix when the pipeline class cannot be re-created (every step runs on a fresh
   * instance, in a thread, a process or a pod): called before a run is recorded.
   */
  public static void checkRecreatable(String pipelineClass, ClassLoader loader) {
    try {
      Class<?> c = Class.forName(pipelineClass, false, loader);
      if (!java.lang.reflect.Modifier.isPublic(c.getModifiers())
          || !java.lang.reflect.Modifier.isPublic(c.getDeclaredConstructor().getModifiers())) {
        throw new NoSuchMethodException();
      }
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      throw new IllegalArgumentException(
          "pipeline class "
              + pipelineClass
              + " needs to be public with a public no-argument constructor: each step runs on a fresh instance of it");
    }
  }

  public static StepDeclaration find(String pipelineClass, String step, ClassLoader loader) {
    Class<?> c;
    try {
      c = Class.forName(pipelineClass, true, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "pipeline class "
              + pipelineClass
              + " is not on the class path of this step process: check --classpath or the image");
    }
    Map<String, StepDeclaration> steps = CACHE.computeIfAbsent(c, StepCode::record);
    StepDeclaration d = steps.get(step);
    if (d == null) {
      throw new IllegalStateException(
          "pipeline " + pipelineClass + " has no step '" + step + "' in this code version");
    }
    return d;
  }

  private static Map<String, StepDeclaration> record(Class<?> c) {
    PipelineDefinition definition;
    try {
      definition = (PipelineDefinition) c.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(
          "cannot create pipeline "
              + c.getName()
              + ": it needs a public no-argument constructor ("
              + e
              + ")",
          e);
    }
    Map<String, StepDeclaration> byName = new ConcurrentHashMap<>();
    for (StepDeclaration d : PipelineRecorder.record(definition).steps()) {
      byName.putIfAbsent(d.name(), d);
    }
    return byName;
  }
}
