package io.daxtier.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeSpec;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.cluster.NodePatcher;
import io.daxtier.operator.cluster.PmemNodeWriter;
import io.daxtier.operator.cluster.PodEvictor;
import io.daxtier.operator.cluster.PoolEvents;
import io.daxtier.operator.ops.OperatorMetrics;
import io.daxtier.operator.plan.CordonPlanner;
import io.daxtier.operator.plan.ReleasePlanner;
import io.daxtier.operator.plan.ReleaseStep;
import io.daxtier.operator.render.DrainRecord;
import io.daxtier.operator.render.DrainRecords;
import io.daxtier.operator.render.Leaving;
import io.daxtier.operator.render.NodeRenderer;
import io.daxtier.operator.render.RenderedNode;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-node coordinator: observe (Node, every pool, the PmemNode, from informer caches) → render the
 * node's pools → plan releases (drain gating) → apply (PmemNode write only on change, cordon,
 * evictions, ready label). Triggered by Node label changes, pool spec/deletion changes and PmemNode
 * changes.
 */
@ControllerConfiguration(name = NodeRenderReconciler.NAME, generationAwareEventProcessing = false)
public final class NodeRenderReconciler implements Reconciler<Node> {
  /** Controller name (metrics tag). */
  public static final String NAME = "node-renderer";

  private static final Logger LOG = LoggerFactory.getLogger(NodeRenderReconciler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONFLICT_RETRY = Duration.ofMillis(250);

  private final Clock clock;
  private final PmemNodeWriter writer;
  private final NodePatcher nodes;
  private final PodEvictor evictor;
  private final PoolEvents events;
  private final ReleaseGate gate;
  private final Duration drainPoll;
  private final OperatorMetrics metrics;
  private final PoolTrigger poolTrigger;
  private final Map<String, String> firedAt = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile InformerEventSource<PmemPool, Node> pools;
  private volatile InformerEventSource<PmemNode, Node> pmemNodes;

  public NodeRenderReconciler(
      Clock clock,
      PmemNodeWriter writer,
      NodePatcher nodes,
      PodEvictor evictor,
      PoolEvents events,
      OperatorMetrics metrics,
      PoolTrigger poolTrigger,
      Duration drainPoll) {
    this.metrics = metrics;
    this.poolTrigger = poolTrigger;
    this.clock = clock;
    this.writer = writer;
    this.nodes = nodes;
    this.evictor = evictor;
    this.events = events;
    this.gate = new ReleaseGate();
    this.drainPoll = drainPoll;
  }

  @Override
  public List<EventSource<?, Node>> prepareEventSources(EventSourceContext<Node> ctx) {
    pools =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PmemPool.class, Node.class)
                .withName("pools")
                .withSecondaryToPrimaryMapper(
                    pool ->
                        ctx.getPrimaryCache()
                            .list()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                // every pool relates to every node: a mapper, not JOSDK's per-event index (which
                // would hold nodes x pools entries and rebuild a pool's 5,000 on each status write)
                .withPrimaryToSecondaryMapper(
                    (Node node) ->
                        pools.list().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withOnUpdateFilter(Changes::poolRendered)
                .build(),
            ctx);
    pmemNodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PmemNode.class, Node.class)
                .withName("pmemnodes")
                .withSecondaryToPrimaryMapper(
                    pn -> Set.of(new ResourceID(pn.getMetadata().getName())))
                .withPrimaryToSecondaryMapper(
                    (Node node) -> Set.of(new ResourceID(node.getMetadata().getName())))
                .withOnUpdateFilter(Changes::pmemNodeRelevant)
                .build(),
            ctx);
    return List.of(pools, pmemNodes);
  }

  /** Primary update filter: labels, schedulability or our cordon mark changed (not heartbeats). */
  public static boolean relevantNodeUpdate(Node now, Node before) {
    return Changes.nodeRelevant(now, before);
  }

  /** The cached PmemNode of {@code node}, empty also while the cache is not started. */
  public java.util.Optional<PmemNode> cachedPmemNode(String node) {
    return pmemNodes == null ? java.util.Optional.empty() : pmemNodes.get(new ResourceID(node));
  }

  /** Whether the PmemNode cache is started (synced). */
  public boolean cacheReady() {
    return pmemNodes != null && pmemNodes.isRunning();
  }

  /** The PmemNodes in the operator's cache (for the benchmark and the sandbox). */
  public Stream<PmemNode> cachedPmemNodes() {
    return pmemNodes == null ? Stream.empty() : pmemNodes.list();
  }

  @Override
  public UpdateControl<Node> reconcile(Node node, Context<Node> context) {
    String name = node.getMetadata().getName();
    Instant now = clock.instant();
    // observe
    List<PmemPool> allPools = pools.list().toList();
    PmemNode pn = pmemNodes.get(new ResourceID(name)).orElse(null);
    List<NodePool> current =
        pn == null || pn.getSpec() == null || pn.getSpec().pools == null
            ? List.of()
            : pn.getSpec().pools;
    Map<String, NodePoolStatus> agent = agentPools(pn);
    boolean caughtUp =
        pn != null
            && pn.getStatus() != null
            && pn.getStatus().observedGeneration != null
            && pn.getMetadata().getGeneration() != null
            && pn.getStatus().observedGeneration >= pn.getMetadata().getGeneration();
    // render
    RenderedNode rendered =
        NodeRenderer.render(node.getMetadata().getLabels(), allPools, current, agent, caughtUp);
    // plan releases
    Map<String, DrainRecord> drains = new TreeMap<>(DrainRecords.parse(annotation(pn)));
    Requeue requeue = new Requeue();
    List<NodePool> leavingOut = new ArrayList<>();
    List<NodePool> toEvict = new ArrayList<>();
    List<Runnable> afterWrite = new ArrayList<>(); // events, only once the PmemNode write landed
    for (Leaving leaving : rendered.leaving()) {
      NodePool entry = leaving.entry();
      DrainRecord drain = drains.get(entry.name);
      int podsLeft = draining(entry, drain) ? podsUsing(name, entry) : 0;
      ReleaseStep step = ReleasePlanner.plan(entry, drain, podsLeft, now);
      if (step instanceof ReleaseStep.StartDrain) {
        if (gate.tryAcquire(
            entry.name, name, ReleasePlanner.maxUnavailable(entry), releasingNodes(entry.name))) {
          drain = DrainRecord.startedAt(now);
          drains.put(entry.name, drain);
          podsLeft = podsUsing(name, entry);
          step = ReleasePlanner.plan(entry, drain, podsLeft, now);
          event(
              entry.name, false, "Draining", "node " + name + ": draining " + podsLeft + " pod(s)");
        } else {
          step = new ReleaseStep.WaitForSlot();
        }
      }
      if (step instanceof ReleaseStep.MarkRelease) {
        leavingOut.add(withState(entry, NodePoolState.Release));
        if (drains.containsKey(entry.name)) {
          requeue.after(drainPoll); // to uncordon at the drain timeout if the agent is slow
        }
        LOG.info("node {}: releasing pool {} ({})", name, entry.name, leaving.cause());
      } else if (step instanceof ReleaseStep.AwaitAgent) {
        leavingOut.add(entry);
        if (drains.containsKey(entry.name)) {
          requeue.after(drainPoll);
        }
      } else if (step instanceof ReleaseStep.ContinueDrain) {
        leavingOut.add(entry);
        toEvict.add(entry);
        requeue.after(drainPoll);
      } else if (step instanceof ReleaseStep.AbandonDrain a) {
        drains.put(entry.name, drain.abandonedAt(now));
        gate.release(entry.name, name);
        leavingOut.add(entry);
        requeue.after(ReleasePlanner.drainTimeout(entry));
        afterWrite.add(
            () ->
                event(
                    entry.name,
                    true,
                    "DrainTimeout",
                    "node "
                        + name
                        + ": "
                        + a.podsLeft()
                        + " pod(s) still hold the resource after drainTimeout; node uncordoned, release"
                        + " retried later"));
      } else if (step instanceof ReleaseStep.DrainBackoff b) {
        leavingOut.add(entry);
        requeue.after(Duration.between(now, b.retryAt()));
      } else {
        leavingOut.add(entry); // WaitForSlot
        requeue.after(drainPoll);
      }
    }
    for (String released : rendered.released()) {
      drains.remove(released);
      gate.release(released, name);
      afterWrite.add(() -> event(released, false, "Released", "node " + name + ": released"));
    }
    // drains of pools that stay (re-selected) or are gone are over
    Set<String> stillLeaving = leavingOut.stream().map(e -> e.name).collect(Collectors.toSet());
    for (String pool : new ArrayList<>(drains.keySet())) {
      if (!stillLeaving.contains(pool)) {
        drains.remove(pool);
        gate.release(pool, name);
      }
    }
    List<NodePool> desired = new ArrayList<>(leavingOut);
    desired.addAll(rendered.active());
    // apply
    PmemNode written = writePmemNode(node, pn, desired, drains);
    if (written == null) {
      // our view was stale (409): render again from a fresher cache, do nothing else on it
      return UpdateControl.<Node>noUpdate().rescheduleAfter(CONFLICT_RETRY.toMillis());
    }
    afterWrite.forEach(Runnable::run);
    triggerPools(name, pn, written, desired);
    applyCordon(node, desired, drains, now, requeue);
    for (NodePool entry : toEvict) {
      PodEvictor.Outcome o = evictor.evictAll(name, resourceName(entry));
      LOG.info(
          "node {}: pool {} drain: {} pod(s) left, {} evicted, {} refused (disruption budget)",
          name,
          entry.name,
          o.podsLeft(),
          o.evicted(),
          o.refusedByBudget());
    }
    applyReadyLabel(node, rendered.active(), agent);
    metrics.rendered();
    return requeue.duration == null
        ? UpdateControl.noUpdate()
        : UpdateControl.<Node>noUpdate().rescheduleAfter(requeue.duration.toMillis());
  }

  /**
   * Writes the PmemNode if it differs and returns the version now current (the one written, or
   * {@code pn} when nothing differed); null when the write lost a race (409). What was written goes
   * to the informer's temporary cache: the next render reads it even before the watch event
   * arrives, and that event (our own write, same resourceVersion) starts no second render.
   */
  private PmemNode writePmemNode(
      Node node, PmemNode pn, List<NodePool> desired, Map<String, DrainRecord> drains) {
    PmemNodeSpec spec = new PmemNodeSpec();
    spec.pools = desired;
    String drainValue = DrainRecords.format(drains);
    Map<String, String> annotations = new HashMap<>();
    annotations.put(DrainRecords.ANNOTATION, drainValue);
    ResourceID id = new ResourceID(node.getMetadata().getName());
    if (pn == null) {
      if (drainValue == null) {
        annotations.clear();
      }
      PmemNode created = writer.create(node, spec, annotations);
      if (created != null) {
        pmemNodes.handleRecentResourceCreate(id, created);
      }
      return created;
    }
    boolean specSame = JSON.valueToTree(spec).equals(JSON.valueToTree(pn.getSpec()));
    if (specSame && Objects.equals(drainValue, annotation(pn))) {
      return pn;
    }
    PmemNode updated = writer.update(pn, spec, annotations);
    if (updated != null) {
      pmemNodes.handleRecentResourceUpdate(id, updated, pn);
    }
    return updated;
  }

  /**
   * Pools named on this node look again when its PmemNode is at a version new to us (once per
   * version): {@code current} is the version after this render's write, {@code before} the one the
   * render started from.
   */
  private void triggerPools(
      String node, PmemNode before, PmemNode current, List<NodePool> desired) {
    String version = current.getMetadata().getResourceVersion();
    if (version.equals(firedAt.put(node, version))) {
      return;
    }
    Set<String> names = new java.util.HashSet<>();
    desired.forEach(e -> names.add(e.name));
    for (PmemNode pn : before == null ? List.of(current) : List.of(before, current)) {
      if (pn.getSpec() != null && pn.getSpec().pools != null) {
        pn.getSpec().pools.forEach(e -> names.add(e.name));
      }
      if (pn.getStatus() != null && pn.getStatus().pools != null) {
        pn.getStatus().pools.forEach(st -> names.add(st.name));
      }
    }
    poolTrigger.fire(names);
  }

  private void applyCordon(
      Node node, List<NodePool> entries, Map<String, DrainRecord> drains, Instant now, Requeue rq) {
    boolean want = CordonPlanner.wantCordon(entries, drains, now);
    String name = node.getMetadata().getName();
    if (want) {
      rq.after(drainPoll);
      if (!NodePatcher.unschedulable(node)) {
        nodes.cordon(name, "release");
        LOG.info("node {}: cordoned for a release drain", name);
      }
    } else if (NodePatcher.cordonedByUs(node)) {
      nodes.uncordon(name);
      LOG.info("node {}: uncordoned", name);
    }
  }

  private void applyReadyLabel(
      Node node, List<NodePool> active, Map<String, NodePoolStatus> agent) {
    boolean online =
        active.stream()
            .map(e -> agent.get(e.name))
            .anyMatch(
                s -> s != null && (s.phase == PoolPhase.Ready || s.phase == PoolPhase.Degraded));
    Map<String, String> labels = node.getMetadata().getLabels();
    boolean labelled = labels != null && "true".equals(labels.get(Api.LABEL_PMEM_READY));
    if (online != labelled) {
      nodes.label(node.getMetadata().getName(), Api.LABEL_PMEM_READY, online ? "true" : null);
    }
  }

  private boolean draining(NodePool entry, DrainRecord drain) {
    return entry.state == NodePoolState.Active
        && ReleasePlanner.needsDrain(entry)
        && drain != null
        && !drain.isAbandoned();
  }

  private int podsUsing(String node, NodePool entry) {
    return evictor.podsUsing(node, resourceName(entry)).size();
  }

  private Set<String> releasingNodes(String pool) {
    return pmemNodes
        .list(
            pn -> {
              DrainRecord d = DrainRecords.parse(annotation(pn)).get(pool);
              return d != null && !d.isAbandoned();
            })
        .map(pn -> pn.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  private void event(String poolName, boolean warning, String reason, String message) {
    pools
        .get(new ResourceID(poolName))
        .ifPresent(
            p -> {
              if (warning) {
                events.warning(p, reason, message);
              } else {
                events.normal(p, reason, message);
              }
            });
  }

  private static String resourceName(NodePool entry) {
    return PoolDefaults.apply(entry.spec).resource.name;
  }

  private static NodePool withState(NodePool e, NodePoolState state) {
    return new NodePool(e.name, e.uid, e.generation, state, e.spec);
  }

  private static String annotation(PmemNode pn) {
    return pn == null || pn.getMetadata().getAnnotations() == null
        ? null
        : pn.getMetadata().getAnnotations().get(DrainRecords.ANNOTATION);
  }

  private static Map<String, NodePoolStatus> agentPools(PmemNode pn) {
    Map<String, NodePoolStatus> out = new HashMap<>();
    if (pn != null && pn.getStatus() != null && pn.getStatus().pools != null) {
      pn.getStatus().pools.forEach(s -> out.put(s.name, s));
    }
    return out;
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
