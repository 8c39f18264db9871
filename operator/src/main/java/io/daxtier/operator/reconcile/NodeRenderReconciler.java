package io.daxtier.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeSpec;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.operator.cluster.NodePatcher;
import io.daxtier.operator.cluster.PmemNodeWriter;
import io.daxtier.operator.cluster.PodEvictor;
import io.daxtier.operator.cluster.PoolEvents;
import io.daxtier.operator.model.LabelSelectors;
import io.daxtier.operator.ops.OperatorMetrics;
import io.daxtier.operator.plan.NodeObservation;
import io.daxtier.operator.plan.NodePlan;
import io.daxtier.operator.plan.NodePlanner;
import io.daxtier.operator.plan.NodeStep;
import io.daxtier.operator.plan.PodRef;
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
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-node coordinator: observe (Node, every pool, the PmemNode, from informer caches; the node's
 * pods by field selector only while one of its releases drains) → render the node's pools → plan
 * ({@link NodePlanner}, pure: slots, PmemNode, events, cordon, evictions, ready label) → apply the
 * steps in order (the PmemNode written only on change). Triggered by Node label changes, pool
 * spec/deletion changes and PmemNode changes. It owns the PmemNode cache and lends it to the pool
 * reconciler read-only, as a {@link PmemNodeLookup}.
 */
@ControllerConfiguration(name = NodeRenderReconciler.NAME, generationAwareEventProcessing = false)
public final class NodeRenderReconciler implements Reconciler<Node>, PmemNodeLookup {
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
  private final NodePlanner planner;
  private final OperatorMetrics metrics;
  private final PoolTrigger poolTrigger;
  private final Map<String, String> firedAt = new ConcurrentHashMap<>();
  private final Map<String, String> lastError = new ConcurrentHashMap<>();
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
    this.planner = new NodePlanner(drainPoll);
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

  @Override
  public boolean ready() {
    return pmemNodes != null && pmemNodes.isRunning();
  }

  @Override
  public Optional<PmemNode> pmemNode(String node) {
    return pmemNodes == null ? Optional.empty() : pmemNodes.get(new ResourceID(node));
  }

  /** The PmemNodes in the operator's cache (for the benchmark and the sandbox). */
  public Stream<PmemNode> cachedPmemNodes() {
    return pmemNodes == null ? Stream.empty() : pmemNodes.list();
  }

  @Override
  public UpdateControl<Node> reconcile(Node node, Context<Node> context) {
    Observed observed = observe(node);
    NodePlan plan = planner.plan(observed.view());
    UpdateControl<Node> result = apply(node, observed.pmemNode(), plan);
    lastError.remove(node.getMetadata().getName());
    return result;
  }

  /**
   * The Node's status is the kubelet's, so an unexpected failure is not written there: it is
   * counted ({@code daxtier_node_render_errors_total}) and reported as a Warning Event {@code
   * NodeRenderFailed} on each pool the node carries or is selected by, once per distinct message
   * per node (a retried failure with the same message adds no Event). A pool's status is not
   * touched: the pool reconciler owns it and recomputes it whole, and thousands of nodes writing
   * one pool's status would contend on it. JOSDK's retry then runs as configured.
   */
  @Override
  public ErrorStatusUpdateControl<Node> updateErrorStatus(
      Node node, Context<Node> context, Exception e) {
    String name = node.getMetadata().getName();
    metrics.renderFailed();
    String message = "node " + name + ": " + ErrorReport.describe(e);
    if (!message.equals(lastError.put(name, message))) {
      LOG.warn("{}", message); // JOSDK logs the stack trace
      try {
        affectedPools(node).forEach(p -> events.warning(p, "NodeRenderFailed", message));
      } catch (RuntimeException again) {
        LOG.warn("node {}: could not report the failure: {}", name, again.getMessage());
      }
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private Observed observe(Node node) {
    String name = node.getMetadata().getName();
    Instant now = clock.instant();
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
    RenderedNode rendered =
        NodeRenderer.render(
            node.getMetadata().getLabels(), pools.list().toList(), current, agent, caughtUp);
    Map<String, DrainRecord> drains = DrainRecords.parse(annotation(pn));
    Map<String, Set<String>> releasing = new HashMap<>();
    for (Leaving l : rendered.leaving()) {
      String pool = l.entry().name;
      if (ReleasePlanner.plan(l.entry(), drains.get(pool), 1, now)
          instanceof ReleaseStep.StartDrain) {
        Set<String> holders = new HashSet<>(releasingNodes(pool));
        holders.addAll(gate.reserved(pool));
        releasing.put(pool, holders);
      }
    }
    List<PodRef> pods =
        NodePlanner.needsPods(name, rendered.leaving(), drains, releasing, now)
            ? evictor.podsOn(name)
            : List.of();
    Map<String, String> labels = node.getMetadata().getLabels();
    NodeObservation view =
        new NodeObservation(
            name,
            now,
            rendered,
            drains,
            pods,
            releasing,
            NodePatcher.unschedulable(node),
            NodePatcher.cordonedByUs(node),
            labels != null && "true".equals(labels.get(Api.LABEL_PMEM_READY)),
            agent);
    return new Observed(view, pn);
  }

  private UpdateControl<Node> apply(Node node, PmemNode pn, NodePlan plan) {
    String name = node.getMetadata().getName();
    Map<String, int[]> evictions = new TreeMap<>(); // pool -> {evicted, refused}
    for (NodeStep step : plan.steps()) {
      if (step instanceof NodeStep.AcquireSlot a) {
        if (!gate.tryAcquire(a.pool(), name, a.maxUnavailable(), releasingNodes(a.pool()))) {
          return retrySoon(); // another node took the slot since we looked: plan again
        }
      } else if (step instanceof NodeStep.WritePmemNode w) {
        PmemNode written = writePmemNode(node, pn, w.entries(), w.drains());
        if (written == null) {
          return retrySoon(); // our view was stale (409): render again from a fresher cache
        }
        triggerPools(name, pn, written, w.entries());
        logNewReleases(name, pn, w.entries());
      } else if (step instanceof NodeStep.ReleaseSlot r) {
        gate.release(r.pool(), name);
      } else if (step instanceof NodeStep.PoolEvent e) {
        event(e.pool(), e.warning(), e.reason(), e.message());
      } else if (step instanceof NodeStep.Cordon) {
        nodes.cordon(name, "release");
        LOG.info("node {}: cordoned for a release drain", name);
      } else if (step instanceof NodeStep.Uncordon) {
        nodes.uncordon(name);
        LOG.info("node {}: uncordoned", name);
      } else if (step instanceof NodeStep.Evict e) {
        int[] tally = evictions.computeIfAbsent(e.pool(), k -> new int[2]);
        tally[evictor.evict(e.pod()) ? 0 : 1]++;
      } else if (step instanceof NodeStep.ReadyLabel r) {
        nodes.label(name, Api.LABEL_PMEM_READY, r.ready() ? "true" : null);
      }
    }
    evictions.forEach(
        (pool, t) ->
            LOG.info(
                "node {}: pool {} drain: {} evicted, {} refused (disruption budget)",
                name,
                pool,
                t[0],
                t[1]));
    metrics.rendered();
    return plan.requeue()
        .map(d -> UpdateControl.<Node>noUpdate().rescheduleAfter(d.toMillis()))
        .orElseGet(UpdateControl::noUpdate);
  }

  private static void logNewReleases(String node, PmemNode before, List<NodePool> entries) {
    Set<String> already = new HashSet<>();
    if (before != null && before.getSpec() != null && before.getSpec().pools != null) {
      before.getSpec().pools.stream()
          .filter(e -> e.state == NodePoolState.Release)
          .forEach(e -> already.add(e.name));
    }
    entries.stream()
        .filter(e -> e.state == NodePoolState.Release && !already.contains(e.name))
        .forEach(e -> LOG.info("node {}: releasing pool {}", node, e.name));
  }

  private static UpdateControl<Node> retrySoon() {
    return UpdateControl.<Node>noUpdate().rescheduleAfter(CONFLICT_RETRY.toMillis());
  }

  /** The pools {@code node} carries or whose selector picks it. */
  private Stream<PmemPool> affectedPools(Node node) {
    Set<String> carried = new HashSet<>();
    pmemNode(node.getMetadata().getName())
        .filter(pn -> pn.getSpec() != null && pn.getSpec().pools != null)
        .ifPresent(pn -> pn.getSpec().pools.forEach(e -> carried.add(e.name)));
    return pools.list(
        p ->
            carried.contains(p.getMetadata().getName())
                || (p.getSpec() != null
                    && LabelSelectors.matches(
                        p.getSpec().nodeSelector, node.getMetadata().getLabels())));
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

  /** What {@link #observe} read: the planner's view and the PmemNode it started from. */
  private record Observed(NodeObservation view, PmemNode pmemNode) {}
}
