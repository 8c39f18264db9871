package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.policy.Reason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retry backoff follows the reason's kind, never its name. */
class BackoffTest {

  @Test
  void longStepsAreLookedAtSoonRefusalsBackOffRulesAndFailuresAreNotHeldBack() {
    assertThat(NodeReconciler.backoff(Reason.ScrubInProgress, 9)).isEqualTo(Duration.ofSeconds(3));
    assertThat(NodeReconciler.backoff(Reason.EraseInProgress, 1)).isEqualTo(Duration.ofSeconds(3));
    assertThat(NodeReconciler.backoff(Reason.WriteInProgress, 5)).isEqualTo(Duration.ofSeconds(10));
    assertThat(NodeReconciler.backoff(Reason.OfflineBusy, 1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(NodeReconciler.backoff(Reason.OfflineBusy, 2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(NodeReconciler.backoff(Reason.EraseWaiting, 4)).isEqualTo(Duration.ofSeconds(80));
    assertThat(NodeReconciler.backoff(Reason.OfflineBusy, 40)).isEqualTo(Duration.ofMinutes(10));
    assertThat(NodeReconciler.backoff(Reason.BadBlocks, 1)).isNull();
    assertThat(NodeReconciler.backoff(Reason.KernelRefused, 3)).isNull();
  }
}
