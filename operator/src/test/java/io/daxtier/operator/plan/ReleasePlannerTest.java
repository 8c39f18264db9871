package io.daxtier.operator.plan;

import static io.daxtier.operator.Fixtures.pool;
import static io.daxtier.operator.Fixtures.withRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.operator.render.DrainRecord;
import io.daxtier.operator.render.DrainRecords;
import io.daxtier.operator.render.NodeRenderer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleasePlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static NodePool entry(ReleaseAction action) {
    return NodeRenderer.entryFor(
        withRelease(pool("p", "2026-01-01T00:00:00Z", null), action, "10m"));
  }

  @Test
  void keepReleasesAtOnceWithoutDrain() {
    assertThat(ReleasePlanner.plan(entry(ReleaseAction.Keep), null, 5, T0))
        .isInstanceOf(ReleaseStep.MarkRelease.class);
  }

  @Test
  void offlineDrainsFirstThenReleasesWhenNoPodIsLeft() {
    NodePool e = entry(ReleaseAction.Offline);
    DrainRecord d = DrainRecord.startedAt(T0);
    assertThat(ReleasePlanner.plan(e, null, 0, T0)).isInstanceOf(ReleaseStep.StartDrain.class);
    assertThat(ReleasePlanner.plan(e, d, 2, T0.plusSeconds(30)))
        .isEqualTo(new ReleaseStep.ContinueDrain(2));
    assertThat(ReleasePlanner.plan(e, d, 0, T0.plusSeconds(30)))
        .isInstanceOf(ReleaseStep.MarkRelease.class);
  }

  @Test
  void drainPastTimeoutIsAbandonedThenRetriedAfterAPause() {
    NodePool e = entry(ReleaseAction.Erase);
    DrainRecord d = DrainRecord.startedAt(T0);
    assertThat(ReleasePlanner.plan(e, d, 1, T0.plusSeconds(600)))
        .isEqualTo(new ReleaseStep.AbandonDrain(1));
    DrainRecord abandoned = d.abandonedAt(T0.plusSeconds(600));
    assertThat(ReleasePlanner.plan(e, abandoned, 1, T0.plusSeconds(700)))
        .isEqualTo(new ReleaseStep.DrainBackoff(T0.plusSeconds(1200)));
    assertThat(ReleasePlanner.plan(e, abandoned, 1, T0.plusSeconds(1200)))
        .isInstanceOf(ReleaseStep.StartDrain.class);
  }

  @Test
  void entryAlreadyInReleaseWaitsForTheAgent() {
    NodePool e = entry(ReleaseAction.Offline);
    e.state = NodePoolState.Release;
    assertThat(ReleasePlanner.plan(e, DrainRecord.startedAt(T0), 3, T0))
        .isInstanceOf(ReleaseStep.AwaitAgent.class);
  }

  @Test
  void cordonOnlyWhileAnUnabandonedDrainIsWithinItsTimeout() {
    NodePool e = entry(ReleaseAction.Offline);
    Map<String, DrainRecord> running = Map.of("p", DrainRecord.startedAt(T0));
    assertThat(CordonPlanner.wantCordon(List.of(e), running, T0.plusSeconds(10))).isTrue();
    assertThat(CordonPlanner.wantCordon(List.of(e), running, T0.plusSeconds(601))).isFalse();
    assertThat(CordonPlanner.wantCordon(List.of(), running, T0)).isFalse();
    assertThat(
            CordonPlanner.wantCordon(
                List.of(e), Map.of("p", DrainRecord.startedAt(T0).abandonedAt(T0)), T0))
        .isFalse();
  }

  @Test
  void drainRecordsRoundTripThroughTheAnnotation() {
    Map<String, DrainRecord> records =
        Map.of(
            "a", DrainRecord.startedAt(T0),
            "b.example", DrainRecord.startedAt(T0).abandonedAt(T0.plusSeconds(5)));
    String text = DrainRecords.format(records);
    assertThat(text)
        .isEqualTo("a=2026-01-01T00:00:00Z,b.example=2026-01-01T00:00:00Z/2026-01-01T00:00:05Z");
    assertThat(DrainRecords.parse(text)).isEqualTo(records);
    assertThat(DrainRecords.parse("junk,x=notatime")).isEmpty();
    assertThat(DrainRecords.format(Map.of())).isNull();
  }
}
