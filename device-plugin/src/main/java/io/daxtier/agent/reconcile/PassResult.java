package io.daxtier.agent.reconcile;

import io.daxtier.agent.executor.ExecutionReport;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.plan.Plan;
import io.daxtier.agent.poison.PoisonEvent;
import io.daxtier.agent.policy.DeviceDecision;
import io.daxtier.agent.state.NodeState;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything one reconcile pass saw, decided, did and ended with. */
public record PassResult(
    Inventory before,
    List<DeviceDecision> decisions,
    Plan plan,
    ExecutionReport report,
    Inventory after,
    List<DeviceResult> devices,
    List<PoisonEvent> poison,
    NodeState nodeState,
    PmemNodeStatus status) {

  /** Every device a pool owns is where the pool wants it. */
  public boolean converged() {
    return devices.stream()
        .filter(d -> d.pool() != null)
        .allMatch(d -> d.phase() == DevicePhase.Online || d.phase() == DevicePhase.Released);
  }

  /**
   * How soon the next pass should run: while an ARS or a DIMM overwrite this agent started is still
   * running (the pass did not wait for it), a short recheck; empty: the regular interval.
   */
  public Optional<Duration> recheckAfter() {
    boolean running =
        devices.stream().anyMatch(d -> NodeReconciler.IN_PROGRESS.contains(d.reason()))
            || (report != null
                && report.node().stream()
                    // an erase that finished re-enabled its regions: the devices that come back
                    // are decided (Released) by the next pass, not this one
                    .anyMatch(
                        n ->
                            n.startsWith("EraseInProgress") || n.endsWith("resumed and finished")));
    return running ? Optional.of(NodeReconciler.IN_PROGRESS_RECHECK) : Optional.empty();
  }

  /** Devices blocked by policy or conflict. */
  public List<DeviceResult> blocked() {
    return devices.stream()
        .filter(d -> d.phase() == DevicePhase.Blocked || d.phase() == DevicePhase.Conflict)
        .toList();
  }

  /** Devices whose steps failed. */
  public List<DeviceResult> failed() {
    return devices.stream().filter(d -> d.phase() == DevicePhase.Failed).toList();
  }
}
