package io.daxtier.agent.run;

import io.daxtier.api.v1alpha1.PmemNodeStatus;
import java.util.Optional;

/** Where the desired state comes from: a pool file or the node's own PmemNode. */
public interface DesiredStateSource extends AutoCloseable {

  /** The current desired state; empty when not known yet (e.g. no PmemNode). */
  Optional<DesiredState> current() throws Exception;

  /**
   * Waits at most {@code timeout} for the source's first authoritative answer (cluster mode: the
   * informer's first list); false when it did not come. A file is always ready.
   */
  default boolean awaitReady(java.time.Duration timeout) throws InterruptedException {
    return true;
  }

  /**
   * The status reported before this process started, when the source knows it (cluster mode: the
   * PmemNode's status), so condition times survive an agent restart.
   */
  default Optional<PmemNodeStatus> lastReported() {
    return Optional.empty();
  }

  /** Calls back when the desired state may have changed. */
  default void onChange(Runnable callback) {}

  @Override
  default void close() {}
}
