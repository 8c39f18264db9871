package io.daxtier.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ErrorConditionTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aFirstFailureWithoutStatusIsFailed() {
    PmemPoolStatus s = ErrorCondition.with(null, 3L, "IllegalStateException: boom", T0);
    assertThat(s.phase).isEqualTo(PoolPhase.Failed);
    Condition c = s.conditions.get(0);
    assertThat(c.getType()).isEqualTo(ErrorCondition.TYPE);
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getMessage()).isEqualTo("IllegalStateException: boom");
    assertThat(c.getObservedGeneration()).isEqualTo(3L);
    assertThat(c.getLastTransitionTime()).isEqualTo(T0.toString());
  }

  @Test
  void aLaterFailureKeepsTheComputedStatusAndTheTransitionTime() {
    PmemPoolStatus computed = new PmemPoolStatus();
    computed.phase = PoolPhase.Ready;
    computed.matchedNodes = 4;
    Condition ready = new Condition();
    ready.setType("Ready");
    ready.setStatus("True");
    computed.conditions.add(ready);
    PmemPoolStatus first = ErrorCondition.with(computed, 1L, "A: one", T0);
    PmemPoolStatus second = ErrorCondition.with(first, 1L, "A: two", T0.plusSeconds(60));
    assertThat(second.phase).isEqualTo(PoolPhase.Ready);
    assertThat(second.matchedNodes).isEqualTo(4);
    assertThat(second.conditions)
        .extracting(Condition::getType)
        .containsExactly("Ready", "ReconcileError");
    assertThat(second.conditions.get(1).getMessage()).isEqualTo("A: two");
    assertThat(second.conditions.get(1).getLastTransitionTime()).isEqualTo(T0.toString());
    assertThat(computed.conditions).hasSize(1); // the input is not changed
  }

  @Test
  void theMessageNamesTheInnermostCauseAndStaysShort() {
    Exception e = new RuntimeException("outer", new IllegalArgumentException("inner"));
    assertThat(ErrorReport.describe(e)).isEqualTo("IllegalArgumentException: inner");
    assertThat(ErrorReport.describe(new IllegalStateException("x".repeat(2000))))
        .hasSize(ErrorReport.MAX_MESSAGE);
  }
}
