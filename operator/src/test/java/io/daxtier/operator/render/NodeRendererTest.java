package io.daxtier.operator.render;

import static io.daxtier.operator.Fixtures.agent;
import static io.daxtier.operator.Fixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeRendererTest {
  private static final Map<String, String> LABELS = Map.of("pmem", "yes");

  @Test
  void matchingPoolsInPrecedenceOrderOldestThenNameWithoutNodeSelector() {
    PmemPool young = pool("a-young", "2026-01-02T00:00:00Z", Map.of("pmem", "yes"));
    PmemPool oldB = pool("b-old", "2026-01-01T00:00:00Z", null);
    PmemPool oldA = pool("a-old", "2026-01-01T00:00:00Z", Map.of());
    PmemPool other = pool("other", "2025-01-01T00:00:00Z", Map.of("pmem", "no"));

    RenderedNode r =
        NodeRenderer.render(LABELS, List.of(young, oldB, other, oldA), List.of(), Map.of(), true);

    assertThat(r.active()).extracting(e -> e.name).containsExactly("a-old", "b-old", "a-young");
    assertThat(r.active()).allSatisfy(e -> assertThat(e.spec.nodeSelector).isNull());
    assertThat(r.active()).allSatisfy(e -> assertThat(e.state).isEqualTo(NodePoolState.Active));
    assertThat(r.active().get(0).uid).isEqualTo("uid-a-old");
    assertThat(young.getSpec().nodeSelector).isNotNull(); // the pool itself is untouched
    assertThat(r.leaving()).isEmpty();
  }

  @Test
  void entryOfUnselectedDeletedOrReplacedPoolLeavesWithItsCause() {
    PmemPool moved = pool("moved", "2026-01-01T00:00:00Z", Map.of("pmem", "no"));
    PmemPool deleted = pool("deleted", "2026-01-01T00:00:00Z", null);
    deleted.getMetadata().setDeletionTimestamp("2026-01-03T00:00:00Z");
    PmemPool replaced = pool("replaced", "2026-01-01T00:00:00Z", null);
    NodePool oldReplaced = NodeRenderer.entryFor(replaced);
    oldReplaced.uid = "uid-of-an-older-incarnation";
    List<NodePool> current =
        List.of(
            NodeRenderer.entryFor(moved),
            NodeRenderer.entryFor(deleted),
            oldReplaced,
            NodeRenderer.entryFor(pool("gone", "2026-01-01T00:00:00Z", null)));

    RenderedNode r =
        NodeRenderer.render(LABELS, List.of(moved, deleted, replaced), current, Map.of(), true);

    assertThat(r.active()).isEmpty(); // the new "replaced" waits until the old one is released
    assertThat(r.leaving())
        .extracting(l -> l.entry().name + ":" + l.cause())
        .containsExactly(
            "moved:NodeUnselected",
            "deleted:PoolDeleted",
            "replaced:PoolReplaced",
            "gone:PoolGone");
  }

  @Test
  void releasedEntryIsDroppedOnlyWhenTheAgentCaughtUp() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", Map.of("pmem", "no"));
    NodePool entry = NodeRenderer.entryFor(p);
    entry.state = NodePoolState.Release;
    Map<String, io.daxtier.api.v1alpha1.NodePoolStatus> released =
        Map.of("p", agent("p", PoolPhase.Released, null, null));

    assertThat(NodeRenderer.render(LABELS, List.of(p), List.of(entry), released, true).released())
        .containsExactly("p");
    RenderedNode stale = NodeRenderer.render(LABELS, List.of(p), List.of(entry), released, false);
    assertThat(stale.released()).isEmpty();
    assertThat(stale.leaving()).hasSize(1);
  }

  @Test
  void invalidPoolKeepsWhatTheNodeHasAndIsNotAddedElsewhere() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", null);
    NodePool before = NodeRenderer.entryFor(p);
    p.getSpec().resource.unit = "1Ki";
    p.getMetadata().setGeneration(2L);

    assertThat(NodeRenderer.render(LABELS, List.of(p), List.of(before), Map.of(), true).active())
        .containsExactly(before);
    assertThat(NodeRenderer.render(LABELS, List.of(p), List.of(), Map.of(), true).active())
        .isEmpty();
  }
}
