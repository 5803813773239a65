package dev.skiff.core.plan;

/** A pipeline that cannot be compiled into a plan; the message is one line naming the fix. */
public final class PipelineDefinitionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PipelineDefinitionException(String message) {
    super(message);
  }

  public PipelineDefinitionException(String message, Throwable cause) {
    super(message, cause);
  }
}
