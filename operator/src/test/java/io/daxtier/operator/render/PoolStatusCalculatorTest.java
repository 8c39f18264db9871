package io.daxtier.operator.render;

import static io.daxtier.operator.Fixtures.agent;
import static io.daxtier.operator.Fixtures.pmemNode;
import static io.daxtier.operator.Fixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoolStatusCalculatorTest {
  private static final Instant NOW = Instant.parse("2026-02-01T00:00:00Z");

  private static Condition cond(PmemPoolStatus s, String type) {
    return s.conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void countsCapacityAndConditionsFromAgents() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", null);
    NodePool e = NodeRenderer.entryFor(p);
    List<NodeView> views =
        List.of(
            new NodeView(
                "n1",
                true,
                pmemNode("n1", List.of(e), List.of(agent("p", PoolPhase.Ready, null, 4L << 30)))),
            new NodeView(
                "n2",
                true,
                pmemNode(
                    "n2",
                    List.of(e),
                    List.of(agent("p", PoolPhase.Blocked, "EncryptionRequired", null)))),
            new NodeView("n3", true, null));

    PoolAggregate agg = PoolStatusCalculator.compute(p, views, Optional.empty(), NOW);
    PmemPoolStatus s = agg.status();

    assertThat(s.matchedNodes).isEqualTo(3);
    assertThat(s.readyNodes).isEqualTo(1);
    assertThat(s.blockedNodes).isEqualTo(1);
    assertThat(s.onlineBytes).isEqualTo(4L << 30);
    assertThat(s.onlineCapacity).isEqualTo("4Gi");
    assertThat(s.phase).isEqualTo(PoolPhase.Blocked);
    assertThat(s.observedGeneration).isEqualTo(1L);
    assertThat(s.blockedNodeList)
        .singleElement()
        .satisfies(b -> assertThat(b.node + ":" + b.reason).isEqualTo("n2:EncryptionRequired"));
    assertThat(cond(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(cond(s, "Ready").getMessage()).isEqualTo("1 of 3 nodes ready");
    assertThat(cond(s, "PolicyBlocked").getReason()).isEqualTo("EncryptionRequired");
    assertThat(cond(s, "PolicyBlocked").getMessage()).contains("n2 (EncryptionRequired)");
    assertThat(cond(s, "Degraded").getStatus()).isEqualTo("False");
    assertThat(agg.issues()).containsOnlyKeys("n2");
    assertThat(agg.holdingNodes()).containsExactly("n1", "n2");
  }

  @Test
  void blockedListIsBoundedWhileCountsStayExact() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", null);
    NodePool e = NodeRenderer.entryFor(p);
    List<NodeView> views = new ArrayList<>();
    IntStream.range(0, 100)
        .forEach(
            i ->
                views.add(
                    new NodeView(
                        "n" + (1000 + i),
                        true,
                        pmemNode(
                            "n" + i,
                            List.of(e),
                            List.of(agent("p", PoolPhase.Blocked, "ScrubRequired", null))))));

    PmemPoolStatus s = PoolStatusCalculator.compute(p, views, Optional.empty(), NOW).status();

    assertThat(s.blockedNodes).isEqualTo(100);
    assertThat(s.blockedNodeList).hasSize(PmemPoolStatus.MAX_BLOCKED_NODES);
    assertThat(s.blockedNodeList.get(0).node).isEqualTo("n1000");
    assertThat(cond(s, "PolicyBlocked").getMessage()).endsWith("and 95 more");
  }

  @Test
  void transitionTimeIsKeptWhileAConditionHolds() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", null);
    PmemPoolStatus first =
        PoolStatusCalculator.compute(p, List.of(), Optional.empty(), NOW).status();
    p.setStatus(first);

    PmemPoolStatus second =
        PoolStatusCalculator.compute(p, List.of(), Optional.empty(), NOW.plusSeconds(60)).status();

    assertThat(cond(second, "Ready").getLastTransitionTime()).isEqualTo(NOW.toString());
    assertThat(cond(second, "Ready").getReason()).isEqualTo("NoMatchingNodes");
    assertThat(io.daxtier.operator.cluster.PoolStatusWriter.same(first, second)).isTrue();
  }

  @Test
  void aPoolThatMatchesNoNodeSaysSoAndNamesItsSelector() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", Map.of("daxtier.io/pmem", "present"));
    p.getSpec()
        .nodeSelector
        .setMatchExpressions(
            List.of(new LabelSelectorRequirement("zone", "In", List.of("a", "b"))));
    // a node the selector does not match is not counted
    List<NodeView> views = List.of(new NodeView("n1", false, null));

    PmemPoolStatus s = PoolStatusCalculator.compute(p, views, Optional.empty(), NOW).status();

    assertThat(s.phase).isEqualTo(PoolPhase.NoMatchingNodes);
    assertThat(s.matchedNodes).isZero();
    assertThat(cond(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(cond(s, "Ready").getReason()).isEqualTo("NoMatchingNodes");
    assertThat(cond(s, "Ready").getMessage())
        .isEqualTo(
            "no node matches the nodeSelector \"daxtier.io/pmem=present,zone in (a,b)\";"
                + " label a node or change the pool");
  }

  @Test
  void anEmptySelectorOnAClusterWithoutNodesSaysThat() {
    PmemPoolStatus s =
        PoolStatusCalculator.compute(
                pool("p", "2026-01-01T00:00:00Z", null), List.of(), Optional.empty(), NOW)
            .status();

    assertThat(s.phase).isEqualTo(PoolPhase.NoMatchingNodes);
    assertThat(cond(s, "Ready").getMessage()).contains("the nodeSelector is empty");
  }

  @Test
  void anInvalidPoolWithoutNodesIsFailedNotNoMatchingNodes() {
    PmemPoolStatus s =
        PoolStatusCalculator.compute(
                pool("p", "2026-01-01T00:00:00Z", null), List.of(), Optional.of("bad unit"), NOW)
            .status();

    assertThat(s.phase).isEqualTo(PoolPhase.Failed);
    assertThat(cond(s, "Ready").getReason()).isEqualTo("InvalidSpec");
  }

  @Test
  void stuckReleaseKeepsThePoolReleasingWithTheReason() {
    PmemPool p = pool("p", "2026-01-01T00:00:00Z", null);
    p.getMetadata().setDeletionTimestamp("2026-02-01T00:00:00Z");
    NodePool e = NodeRenderer.entryFor(p);
    e.state = NodePoolState.Release;
    List<NodeView> views =
        List.of(
            new NodeView(
                "n1",
                false,
                pmemNode(
                    "n1",
                    List.of(e),
                    List.of(agent("p", PoolPhase.Releasing, "OfflineBusy", null)))));

    PoolAggregate agg = PoolStatusCalculator.compute(p, views, Optional.empty(), NOW);

    assertThat(agg.status().phase).isEqualTo(PoolPhase.Releasing);
    assertThat(cond(agg.status(), "Ready").getReason()).isEqualTo("ReleaseBlocked");
    assertThat(cond(agg.status(), "Ready").getMessage()).contains("n1 (OfflineBusy)");
    assertThat(agg.status().blockedNodeList)
        .extracting(b -> b.reason)
        .containsExactly("OfflineBusy");
    assertThat(agg.holdingNodes()).containsExactly("n1");
  }

  @Test
  void conflictConditionNamesNodeDeviceAndOwner() {
    PmemPool older = pool("a", "2026-01-01T00:00:00Z", null);
    PmemPool younger = pool("b", "2026-01-02T00:00:00Z", null);
    var pn =
        pmemNode(
            "n1", List.of(NodeRenderer.entryFor(older), NodeRenderer.entryFor(younger)), List.of());
    pn.getStatus().devices =
        List.of(io.daxtier.operator.Fixtures.device("dax0.0", "region0", 1L << 34));

    PmemPoolStatus lost =
        PoolStatusCalculator.compute(
                younger, List.of(new NodeView("n1", true, pn)), Optional.empty(), NOW)
            .status();
    PmemPoolStatus won =
        PoolStatusCalculator.compute(
                older, List.of(new NodeView("n1", true, pn)), Optional.empty(), NOW)
            .status();

    assertThat(cond(lost, "Conflict").getStatus()).isEqualTo("True");
    assertThat(cond(lost, "Conflict").getReason()).isEqualTo("DeviceConflict");
    assertThat(cond(lost, "Conflict").getMessage())
        .isEqualTo("node n1: device dax0.0 is owned by pool a (precedence)");
    assertThat(cond(won, "Conflict").getStatus()).isEqualTo("False");
  }

  @Test
  void aDeviceTheYoungerPoolHoldsIsAConflictOfTheOlderOne() {
    PmemPool older = pool("a", "2026-01-01T00:00:00Z", null);
    PmemPool younger = pool("b", "2026-01-02T00:00:00Z", null);
    var pn =
        pmemNode(
            "n1", List.of(NodeRenderer.entryFor(older), NodeRenderer.entryFor(younger)), List.of());
    var dax = io.daxtier.operator.Fixtures.device("dax0.0", "region0", 1L << 34);
    dax.pool = "b";
    dax.phase = io.daxtier.api.v1alpha1.DevicePhase.Online;
    dax.mode = io.daxtier.api.v1alpha1.DeviceMode.SYSTEM_RAM;
    pn.getStatus().devices = List.of(dax);

    PmemPoolStatus lost =
        PoolStatusCalculator.compute(
                older, List.of(new NodeView("n1", true, pn)), Optional.empty(), NOW)
            .status();
    PmemPoolStatus kept =
        PoolStatusCalculator.compute(
                younger, List.of(new NodeView("n1", true, pn)), Optional.empty(), NOW)
            .status();

    assertThat(cond(lost, "Conflict").getStatus()).isEqualTo("True");
    assertThat(cond(lost, "Conflict").getMessage())
        .isEqualTo("node n1: device dax0.0 is held by pool b");
    assertThat(cond(kept, "Conflict").getStatus()).isEqualTo("False");
  }
}
