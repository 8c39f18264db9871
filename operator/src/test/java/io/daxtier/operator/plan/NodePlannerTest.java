package io.daxtier.operator.plan;

import static io.daxtier.operator.Fixtures.agent;
import static io.daxtier.operator.Fixtures.pool;
import static io.daxtier.operator.Fixtures.withRelease;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.operator.render.DrainRecord;
import io.daxtier.operator.render.Leaving;
import io.daxtier.operator.render.NodeRenderer;
import io.daxtier.operator.render.RenderedNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The node planner over a table of release situations: no API server, no operator. */
class NodePlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration POLL = Duration.ofSeconds(5);
  private static final String NODE = "n1";
  private static final NodePlanner PLANNER = new NodePlanner(POLL);

  private static NodePool entry(ReleaseAction action) {
    return NodeRenderer.entryFor(
        withRelease(pool("p", "2026-01-01T00:00:00Z", null), action, "10m"));
  }

  private static String resource() {
    return ReleasePlanner.resourceOf(entry(ReleaseAction.Offline));
  }

  private static PodRef holder(String name) {
    return new PodRef("default", name, Set.of(resource()), false);
  }

  private static final PodRef BYSTANDER = new PodRef("default", "web", Set.of("cpu"), false);
  private static final PodRef GOING = new PodRef("default", "going", Set.of(resource()), true);
  private static final DrainRecord RUNNING = DrainRecord.startedAt(T0);
  private static final DrainRecord ABANDONED = RUNNING.abandonedAt(T0.plusSeconds(600));

  /** A situation: one pool {@code p} leaving node n1 unless said otherwise. */
  private record Situation(
      String name,
      RenderedNode rendered,
      Map<String, DrainRecord> drains,
      List<PodRef> pods,
      Set<String> releasing,
      boolean cordonedByUs,
      Instant now) {
    NodeObservation observe() {
      return new NodeObservation(
          NODE,
          now,
          rendered,
          drains,
          pods,
          Map.of("p", releasing),
          cordonedByUs,
          cordonedByUs,
          false,
          Map.of());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static RenderedNode leaving(NodePool entry) {
    return new RenderedNode(
        List.of(), List.of(new Leaving(entry, Leaving.Cause.NodeUnselected)), List.of());
  }

  private static Arguments row(
      String name,
      RenderedNode rendered,
      Map<String, DrainRecord> drains,
      List<PodRef> pods,
      Set<String> releasing,
      boolean cordoned,
      Instant now,
      List<String> steps,
      Duration requeue) {
    return Arguments.of(
        new Situation(name, rendered, drains, pods, releasing, cordoned, now),
        steps,
        Optional.ofNullable(requeue));
  }

  static Stream<Arguments> situations() {
    NodePool keep = entry(ReleaseAction.Keep);
    NodePool offline = entry(ReleaseAction.Offline);
    NodePool erase = entry(ReleaseAction.Erase);
    NodePool marked = entry(ReleaseAction.Offline);
    marked.state = NodePoolState.Release;
    Instant later = T0.plusSeconds(30);
    return Stream.of(
        row(
            "Keep releases at once, no drain, no pods",
            leaving(keep),
            Map.of(),
            List.of(),
            Set.of(),
            false,
            T0,
            List.of("write [p:Release] {}"),
            null),
        row(
            "Offline with a free slot: take it, record the drain, cordon, evict the holders only",
            leaving(offline),
            Map.of(),
            List.of(holder("a"), BYSTANDER, holder("b")),
            Set.of(),
            false,
            T0,
            List.of(
                "acquire p/1",
                "write [p:Active] {p=running}",
                "event p Draining",
                "cordon",
                "evict default/a",
                "evict default/b"),
            POLL),
        row(
            "maxUnavailable reached by another node: wait, touch nothing",
            leaving(offline),
            Map.of(),
            List.of(holder("a")),
            Set.of("n2"),
            false,
            T0,
            List.of("write [p:Active] {}"),
            POLL),
        row(
            "this node already holds the slot (a reservation not yet in the cache)",
            leaving(offline),
            Map.of(),
            List.of(),
            Set.of(NODE, "n2"),
            false,
            T0,
            List.of("acquire p/1", "write [p:Release] {p=running}", "event p Draining", "cordon"),
            POLL),
        row(
            "nothing holds the resource: drain recorded and released in one pass",
            leaving(erase),
            Map.of(),
            List.of(BYSTANDER),
            Set.of(),
            false,
            T0,
            List.of("acquire p/1", "write [p:Release] {p=running}", "event p Draining", "cordon"),
            POLL),
        row(
            "running drain on a cordoned node: evict again, no second cordon",
            leaving(offline),
            Map.of("p", RUNNING),
            List.of(holder("a")),
            Set.of(NODE),
            true,
            later,
            List.of("write [p:Active] {p=running}", "evict default/a"),
            POLL),
        row(
            "a pod already terminating is waited for, not evicted again",
            leaving(offline),
            Map.of("p", RUNNING),
            List.of(GOING),
            Set.of(NODE),
            true,
            later,
            List.of("write [p:Active] {p=running}"),
            POLL),
        row(
            "drain past drainTimeout: abandon, give the slot back, warn, uncordon",
            leaving(offline),
            Map.of("p", RUNNING),
            List.of(holder("a")),
            Set.of(NODE),
            true,
            T0.plusSeconds(600),
            List.of(
                "write [p:Active] {p=abandoned}", "free p", "warning p DrainTimeout", "uncordon"),
            Duration.ofMinutes(10)),
        row(
            "abandoned drain backs off until drainTimeout after the abandon",
            leaving(offline),
            Map.of("p", ABANDONED),
            List.of(),
            Set.of(),
            false,
            T0.plusSeconds(900),
            List.of("write [p:Active] {p=abandoned}"),
            Duration.ofSeconds(300)),
        row(
            "entry in Release waits for the agent while the drain keeps the node cordoned",
            leaving(marked),
            Map.of("p", RUNNING),
            List.of(),
            Set.of(NODE),
            true,
            later,
            List.of("write [p:Release] {p=running}"),
            POLL),
        row(
            "agent released the pool: drop the entry and drain, free the slot, uncordon",
            new RenderedNode(List.of(), List.of(), List.of("p")),
            Map.of("p", RUNNING),
            List.of(),
            Set.of(NODE),
            true,
            later,
            List.of("write [] {}", "free p", "event p Released", "uncordon"),
            null),
        row(
            "pool selected again mid-drain: the drain is over",
            new RenderedNode(List.of(offline), List.of(), List.of()),
            Map.of("p", RUNNING),
            List.of(),
            Set.of(NODE),
            true,
            later,
            List.of("write [p:Active] {}", "free p", "uncordon"),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("situations")
  void plans(Situation s, List<String> steps, Optional<Duration> requeue) {
    NodePlan plan = PLANNER.plan(s.observe());
    assertThat(plan.steps().stream().map(NodePlannerTest::describe).toList())
        .containsExactlyElementsOf(steps);
    assertThat(plan.requeue()).isEqualTo(requeue);
  }

  @Test
  void podsAreListedOnlyWhenADrainStartsOrRuns() {
    NodePool offline = entry(ReleaseAction.Offline);
    List<Leaving> out = List.of(new Leaving(offline, Leaving.Cause.PoolDeleted));
    Map<String, Set<String>> free = Map.of();
    Map<String, Set<String>> taken = Map.of("p", Set.of("n2"));
    assertThat(NodePlanner.needsPods(NODE, List.of(), Map.of(), free, T0)).isFalse();
    assertThat(NodePlanner.needsPods(NODE, out, Map.of(), free, T0)).isTrue();
    assertThat(NodePlanner.needsPods(NODE, out, Map.of(), taken, T0))
        .as("waiting for a slot lists nothing")
        .isFalse();
    assertThat(NodePlanner.needsPods(NODE, out, Map.of("p", RUNNING), taken, T0)).isTrue();
    assertThat(NodePlanner.needsPods(NODE, out, Map.of("p", ABANDONED), free, T0.plusSeconds(700)))
        .isFalse();
    assertThat(
            NodePlanner.needsPods(
                NODE,
                List.of(new Leaving(entry(ReleaseAction.Keep), Leaving.Cause.PoolDeleted)),
                Map.of(),
                free,
                T0))
        .isFalse();
  }

  @Test
  void theReadyLabelFollowsTheAgent() {
    NodePool active = entry(ReleaseAction.Keep);
    RenderedNode rendered = new RenderedNode(List.of(active), List.of(), List.of());
    Map<String, NodePoolStatus> ready = Map.of("p", agent("p", PoolPhase.Ready, null, 1L));
    assertThat(labels(rendered, ready, false)).containsExactly("ready true");
    assertThat(labels(rendered, ready, true)).isEmpty();
    assertThat(labels(rendered, Map.of("p", agent("p", PoolPhase.Pending, null, 0L)), true))
        .containsExactly("ready false");
  }

  private static List<String> labels(
      RenderedNode rendered, Map<String, NodePoolStatus> agent, boolean labelled) {
    NodeObservation obs =
        new NodeObservation(
            NODE, T0, rendered, Map.of(), List.of(), Map.of(), false, false, labelled, agent);
    return PLANNER.plan(obs).steps(NodeStep.ReadyLabel.class).stream()
        .map(NodePlannerTest::describe)
        .toList();
  }

  private static String describe(NodeStep step) {
    if (step instanceof NodeStep.AcquireSlot a) {
      return "acquire " + a.pool() + "/" + a.maxUnavailable();
    } else if (step instanceof NodeStep.WritePmemNode w) {
      List<String> entries = new ArrayList<>();
      w.entries().forEach(e -> entries.add(e.name + ":" + e.state));
      return "write "
          + entries
          + " "
          + w.drains().entrySet().stream()
              .map(e -> e.getKey() + "=" + (e.getValue().isAbandoned() ? "abandoned" : "running"))
              .collect(Collectors.joining(",", "{", "}"));
    } else if (step instanceof NodeStep.ReleaseSlot r) {
      return "free " + r.pool();
    } else if (step instanceof NodeStep.PoolEvent e) {
      return (e.warning() ? "warning " : "event ") + e.pool() + " " + e.reason();
    } else if (step instanceof NodeStep.Cordon) {
      return "cordon";
    } else if (step instanceof NodeStep.Uncordon) {
      return "uncordon";
    } else if (step instanceof NodeStep.Evict e) {
      return "evict " + e.pod().namespace() + "/" + e.pod().name();
    } else if (step instanceof NodeStep.ReadyLabel r) {
      return "ready " + r.ready();
    }
    throw new IllegalArgumentException(step.toString());
  }
}
