package io.daxtier.agent.executor;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.AutoOnline;
import io.daxtier.agent.policy.Reason;
import io.daxtier.agent.record.NodeRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's change of {@code auto_online_blocks} around one kmem bind ({@code --hotplug-policy
 * Manage}): the previous value is made durable in the {@link NodeRecord} before the switch to
 * {@code offline}, and put back right after the bind; an agent killed in between restores it on its
 * next start ({@link #recover}). The kernel applies the policy when memory is added, so the switch
 * only has to cover {@code kmem/new_id}.
 */
public final class HotplugSwitch {
  private static final Logger LOG = LoggerFactory.getLogger(HotplugSwitch.class);

  private final Kernel kernel;
  private final NodeRecord record;
  private final Clock clock;

  public HotplugSwitch(Kernel kernel, NodeRecord record, Clock clock) {
    this.kernel = kernel;
    this.record = record;
    this.clock = clock;
  }

  public NodeRecord record() {
    return record;
  }

  /**
   * Records {@code previous}, then writes {@code offline}; a record that cannot be made durable
   * stops the conversion before anything changed.
   */
  void switchOff(String device, String previous) throws StepFailure {
    try {
      record.recordSwitch(
          new NodeRecord.AutoOnlineSwitch(
              previous, AutoOnline.OFFLINE, device, clock.instant().toString()));
    } catch (IOException e) {
      throw new StepFailure(
          Reason.StateNotDurable,
          "cannot record auto_online_blocks="
              + previous
              + " before switching it for "
              + device
              + " ("
              + e.getMessage()
              + "): nothing changed; check --state-dir");
    }
    kernel.write(KernelPaths.AUTO_ONLINE, AutoOnline.OFFLINE);
  }

  /** Puts the recorded value back; a failure is logged and retried by the next pass. */
  void restore(java.util.List<String> notes) {
    recover().ifPresent(notes::add);
  }

  /**
   * Restores a switch the record holds (the previous value written back, then the record cleared).
   * A value changed by someone else meanwhile is left as it is. Empty when there was nothing to do.
   */
  public Optional<String> recover() {
    Optional<NodeRecord.AutoOnlineSwitch> pending = record.autoOnlineSwitch();
    if (pending.isEmpty()) {
      return Optional.empty();
    }
    NodeRecord.AutoOnlineSwitch s = pending.get();
    String now = kernel.readTrimmed(KernelPaths.AUTO_ONLINE).orElse(null);
    String note;
    try {
      if (s.switchedTo().equals(now)) {
        kernel.write(KernelPaths.AUTO_ONLINE, s.previous());
        note =
            "auto_online_blocks restored to " + s.previous() + " (switched for " + s.device() + ")";
      } else {
        note =
            "auto_online_blocks is "
                + now
                + ", not the "
                + s.switchedTo()
                + " the agent set for "
                + s.device()
                + ": left as it is";
      }
    } catch (KernelException e) {
      LOG.error("cannot restore auto_online_blocks={}: {}", s.previous(), e.getMessage());
      return Optional.of("AutoOnlineRestoreFailed: " + e.getMessage());
    }
    try {
      record.clearSwitch();
    } catch (IOException e) {
      LOG.error("auto_online_blocks restored but the record was not cleared: {}", e.getMessage());
    }
    LOG.info("{}", note);
    return Optional.of(note);
  }
}
