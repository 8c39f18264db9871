package io.daxtier.agent.reconcile;

import io.daxtier.agent.executor.ExecutionReport;
import io.daxtier.agent.executor.Outcome;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.plan.Plan;
import io.daxtier.agent.plan.Step;
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
        devices.stream().anyMatch(d -> d.stop() != null && d.stop().inProgress())
            || (report != null
                && report.node().stream()
                    .anyMatch(
                        n ->
                            n.outcome() instanceof Outcome.Stopped s && s.reason().inProgress()
                                // an erase that finished re-enabled its regions: the devices
                                // that come back are decided (Released) by the next pass
                                || n.step() instanceof Step.ResumeErase && n.done()));
    return running ? Optional.of(NodeReconciler.IN_PROGRESS_RECHECK) : Optional.empty();
  }

  /** Devices blocked by policy or conflict. */
  public List<DeviceResult> blocked() {
    return devices.stream()
        .filter(d -> d.phase() == DevicePhase.Blocked || d.phase() == DevicePhase.Conflict)
        .toList();
  }

  /** Devices stopped for a reason worth a Warning Event: blocked by a rule, or failed. */
  public List<DeviceResult> warnings() {
    return devices.stream().filter(d -> d.stop() != null && d.stop().warns()).toList();
  }

  /** Devices whose steps failed. */
  public List<DeviceResult> failed() {
    return devices.stream().filter(d -> d.phase() == DevicePhase.Failed).toList();
  }
}
