package dev.skiff.core.spi;

/** A run is owned by a live orchestrator: nothing else may drive it until that one stops. */
public final class RunOwnedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RunOwnedException(String runId, RunLease lease) {
    super(
        "run "
            + runId
            + " is still running"
            + (lease == null
                ? ""
                : " (driven by " + lease.owner() + ", heartbeat until " + lease.expiresAt() + ")")
            + ": stop it first with 'skiff runs stop "
            + runId
            + "', or wait for it to end");
  }
}
