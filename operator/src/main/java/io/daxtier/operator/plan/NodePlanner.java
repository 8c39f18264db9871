package io.daxtier.operator.plan;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.render.DrainRecord;
import io.daxtier.operator.render.Leaving;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Plans one node's reconcile (pure): from what the node should carry ({@link
 * io.daxtier.operator.render.RenderedNode}), its drain records, its pods and the other nodes
 * releasing the same pools, the steps that take it there — slots to take, the PmemNode to write,
 * slots to give back, events, cordon or uncordon, pods to evict, the ready label — and when to look
 * again. Each leaving entry's next move is {@link ReleasePlanner#plan}'s.
 */
public final class NodePlanner {
  private final Duration drainPoll;

  /** {@code drainPoll}: how often a running drain is looked at again. */
  public NodePlanner(Duration drainPoll) {
    this.drainPoll = drainPoll;
  }

  /**
   * Whether planning needs the node's pods: some leaving entry continues or gives up a drain, or
   * starts one and a release slot is free ({@code releasing} as in {@link NodeObservation}). Only
   * then does the reconciler list them (one field-selector list of this node's pods), so nodes
   * waiting for a slot list nothing.
   */
  public static boolean needsPods(
      String node,
      List<Leaving> leaving,
      Map<String, DrainRecord> drains,
      Map<String, Set<String>> releasing,
      Instant now) {
    for (Leaving l : leaving) {
      NodePool entry = l.entry();
      ReleaseStep s = ReleasePlanner.plan(entry, drains.get(entry.name), 1, now);
      if (s instanceof ReleaseStep.ContinueDrain
          || s instanceof ReleaseStep.AbandonDrain
          || (s instanceof ReleaseStep.StartDrain
              && slotFree(
                  releasing.getOrDefault(entry.name, Set.of()),
                  node,
                  ReleasePlanner.maxUnavailable(entry)))) {
        return true;
      }
    }
    return false;
  }

  /** The plan for {@code obs}. */
  public NodePlan plan(NodeObservation obs) {
    String node = obs.node();
    Instant now = obs.now();
    Map<String, DrainRecord> drains = new TreeMap<>(obs.drains());
    List<NodeStep> before = new ArrayList<>(); // slots, before the write
    List<NodeStep> after = new ArrayList<>(); // slot releases and events, once the write landed
    List<NodeStep> evictions = new ArrayList<>();
    Requeue requeue = new Requeue();
    List<NodePool> leavingOut = new ArrayList<>();
    for (Leaving leaving : obs.rendered().leaving()) {
      NodePool entry = leaving.entry();
      String pool = entry.name;
      DrainRecord drain = drains.get(pool);
      List<PodRef> holders = holders(obs.pods(), entry);
      ReleaseStep step =
          ReleasePlanner.plan(entry, drain, draining(entry, drain) ? holders.size() : 0, now);
      if (step instanceof ReleaseStep.StartDrain) {
        int max = ReleasePlanner.maxUnavailable(entry);
        if (slotFree(obs.releasing().getOrDefault(pool, Set.of()), node, max)) {
          before.add(new NodeStep.AcquireSlot(pool, max));
          drain = DrainRecord.startedAt(now);
          drains.put(pool, drain);
          step = ReleasePlanner.plan(entry, drain, holders.size(), now);
          after.add(
              new NodeStep.PoolEvent(
                  pool,
                  false,
                  "Draining",
                  "node " + node + ": draining " + holders.size() + " pod(s)"));
        } else {
          step = new ReleaseStep.WaitForSlot();
        }
      }
      if (step instanceof ReleaseStep.MarkRelease) {
        leavingOut.add(withState(entry, NodePoolState.Release));
        if (drains.containsKey(pool)) {
          requeue.after(drainPoll); // to uncordon at the drain timeout if the agent is slow
        }
      } else if (step instanceof ReleaseStep.AwaitAgent) {
        leavingOut.add(entry);
        if (drains.containsKey(pool)) {
          requeue.after(drainPoll);
        }
      } else if (step instanceof ReleaseStep.ContinueDrain) {
        leavingOut.add(entry);
        holders.stream()
            .filter(p -> !p.terminating())
            .forEach(p -> evictions.add(new NodeStep.Evict(pool, p)));
        requeue.after(drainPoll);
      } else if (step instanceof ReleaseStep.AbandonDrain a) {
        drains.put(pool, drain.abandonedAt(now));
        leavingOut.add(entry);
        after.add(new NodeStep.ReleaseSlot(pool));
        after.add(
            new NodeStep.PoolEvent(
                pool,
                true,
                "DrainTimeout",
                "node "
                    + node
                    + ": "
                    + a.podsLeft()
                    + " pod(s) still hold the resource after drainTimeout; node uncordoned,"
                    + " release retried later"));
        requeue.after(ReleasePlanner.drainTimeout(entry));
      } else if (step instanceof ReleaseStep.DrainBackoff b) {
        leavingOut.add(entry);
        requeue.after(Duration.between(now, b.retryAt()));
      } else { // WaitForSlot
        leavingOut.add(entry);
        requeue.after(drainPoll);
      }
    }
    for (String released : obs.rendered().released()) {
      drains.remove(released);
      after.add(new NodeStep.ReleaseSlot(released));
      after.add(new NodeStep.PoolEvent(released, false, "Released", "node " + node + ": released"));
    }
    // drains of pools that stay (re-selected) or are gone are over
    Set<String> stillLeaving = new HashSet<>();
    leavingOut.forEach(e -> stillLeaving.add(e.name));
    for (String pool : new ArrayList<>(drains.keySet())) {
      if (!stillLeaving.contains(pool)) {
        drains.remove(pool);
        after.add(new NodeStep.ReleaseSlot(pool));
      }
    }
    List<NodePool> desired = new ArrayList<>(leavingOut);
    desired.addAll(obs.rendered().active());

    List<NodeStep> steps = new ArrayList<>(before);
    steps.add(new NodeStep.WritePmemNode(desired, drains));
    steps.addAll(after);
    if (CordonPlanner.wantCordon(desired, drains, now)) {
      requeue.after(drainPoll);
      if (!obs.unschedulable()) {
        steps.add(new NodeStep.Cordon());
      }
    } else if (obs.cordonedByUs()) {
      steps.add(new NodeStep.Uncordon());
    }
    steps.addAll(evictions);
    boolean online = online(obs.rendered().active(), obs.agent());
    if (online != obs.readyLabelled()) {
      steps.add(new NodeStep.ReadyLabel(online));
    }
    return new NodePlan(steps, Optional.ofNullable(requeue.duration));
  }

  /** maxUnavailable as {@code ReleaseGate} counts it: a node already holding a slot keeps it. */
  private static boolean slotFree(Set<String> releasing, String node, int max) {
    return releasing.contains(node) || releasing.size() < max;
  }

  private static boolean draining(NodePool entry, DrainRecord drain) {
    return entry.state == NodePoolState.Active
        && ReleasePlanner.needsDrain(entry)
        && drain != null
        && !drain.isAbandoned();
  }

  private static List<PodRef> holders(List<PodRef> pods, NodePool entry) {
    String resource = ReleasePlanner.resourceOf(entry);
    String claims = PodRef.draPool(entry.name);
    return pods.stream().filter(p -> p.uses(resource) || p.uses(claims)).toList();
  }

  private static boolean online(List<NodePool> active, Map<String, NodePoolStatus> agent) {
    return active.stream()
        .map(e -> agent.get(e.name))
        .anyMatch(s -> s != null && (s.phase == PoolPhase.Ready || s.phase == PoolPhase.Degraded));
  }

  private static NodePool withState(NodePool e, NodePoolState state) {
    return new NodePool(e.name, e.uid, e.generation, state, e.spec);
  }

  /** The soonest requeue any step asked for. */
  private static final class Requeue {
    Duration duration;

    void after(Duration d) {
      Duration positive = d.isNegative() || d.isZero() ? Duration.ofMillis(100) : d;
      if (duration == null || positive.compareTo(duration) < 0) {
        duration = positive;
      }
    }
  }
}
