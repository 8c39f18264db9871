package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.NumaNodeStatus;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusChangesTest {

  private static Condition cond(String type, String status, String reason, String at) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withLastTransitionTime(at)
        .build();
  }

  private static PmemNodeStatus status(String heartbeat, long free, Condition... conds) {
    PmemNodeStatus s = new PmemNodeStatus();
    s.heartbeat = heartbeat;
    NumaNodeStatus n = new NumaNodeStatus();
    n.id = 1;
    n.memTotalBytes = 1L << 30;
    n.memFreeBytes = free;
    s.numaNodes.add(n);
    s.conditions = new java.util.ArrayList<>(List.of(conds));
    return s;
  }

  @Test
  void conditionTimesMoveOnlyOnATransition() {
    PmemNodeStatus before =
        status(
            "t0",
            1,
            cond("Ready", "True", "Converged", "t0"),
            cond("Degraded", "False", "Healthy", "t0"),
            cond("PolicyBlocked", "False", "None", "t0"));
    PmemNodeStatus next =
        StatusBuilder.keepTransitionTimes(
            before,
            status(
                "t1",
                1,
                cond("Ready", "True", "Converged", "t1"),
                cond("Degraded", "True", "Poison", "t1"),
                cond("PolicyBlocked", "False", "None", "t1")));
    assertThat(next.conditions)
        .extracting(Condition::getLastTransitionTime)
        .containsExactly("t0", "t1", "t0");
    assertThat(StatusChanges.differ(before, next)).isTrue();
  }

  @Test
  void heartbeatAndFreeMemoryAloneAreNoChange() {
    PmemNodeStatus a = status("t0", 100, cond("Ready", "True", "Converged", "t0"));
    PmemNodeStatus b = status("t1", 200, cond("Ready", "True", "Converged", "t0"));
    assertThat(StatusChanges.differ(a, b)).isFalse();
    b.numaNodes.get(0).memTotalBytes = 2L << 30;
    assertThat(StatusChanges.differ(a, b)).isTrue();
    assertThat(StatusChanges.differ(null, b)).isTrue();
  }
}
