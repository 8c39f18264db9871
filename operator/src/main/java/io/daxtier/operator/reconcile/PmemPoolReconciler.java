package io.daxtier.operator.reconcile;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.operator.cluster.PoolEvents;
import io.daxtier.operator.cluster.PoolStatusWriter;
import io.daxtier.operator.model.LabelSelectors;
import io.daxtier.operator.model.PoolValidator;
import io.daxtier.operator.ops.OperatorMetrics;
import io.daxtier.operator.render.DeviceClassOutcome;
import io.daxtier.operator.render.NodeIssue;
import io.daxtier.operator.render.NodeView;
import io.daxtier.operator.render.PoolAggregate;
import io.daxtier.operator.render.PoolStatusCalculator;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PmemPool coordinator: observe (pool, Nodes, PmemNodes from caches) → validate → render the
 * aggregated status → apply (events for nodes that became blocked, degraded, conflicting or stuck;
 * a DRA pool's DeviceClass, {@link DeviceClassSync}) → record status (merge patch, only on change).
 * As a {@link Cleaner} it holds the finalizer until no PmemNode carries the pool any more; the node
 * renderer runs the per-node release meanwhile.
 */
@ControllerConfiguration(name = PmemPoolReconciler.NAME, finalizerName = Api.FINALIZER)
public final class PmemPoolReconciler implements Reconciler<PmemPool>, Cleaner<PmemPool> {
  /** Controller name (metrics tag). */
  public static final String NAME = "pmempool";

  private static final Logger LOG = LoggerFactory.getLogger(PmemPoolReconciler.class);
  private static final Duration CACHE_WAIT = Duration.ofSeconds(1);

  private final Clock clock;
  private final PoolStatusWriter statusWriter;
  private final PoolEvents events;
  private final OperatorMetrics metrics;
  private final Duration releaseRecheck;
  private final Map<String, Map<String, NodeIssue>> lastIssues = new ConcurrentHashMap<>();
  private final PmemNodeLookup pmemNodes;
  private final PoolTrigger trigger;
  private final DeviceClassSync deviceClasses;
  private volatile InformerEventSource<Node, PmemPool> nodes;
  private volatile Supplier<Set<String>> notReporting = Set::of;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  public PmemPoolReconciler(
      Clock clock,
      PoolStatusWriter statusWriter,
      PoolEvents events,
      OperatorMetrics metrics,
      PmemNodeLookup pmemNodes,
      PoolTrigger trigger,
      DeviceClassSync deviceClasses,
      Duration releaseRecheck) {
    this.pmemNodes = pmemNodes;
    this.deviceClasses = deviceClasses;
    this.trigger = trigger;
    this.clock = clock;
    this.statusWriter = statusWriter;
    this.events = events;
    this.metrics = metrics;
    this.releaseRecheck = releaseRecheck;
  }

  /** Where the nodes whose agent is not reporting (stale node Lease) come from. */
  public void notReportingFrom(Supplier<Set<String>> notReporting) {
    this.notReporting = notReporting;
  }

  /** The pools aggregated so far and not deleted (what a change of liveness re-aggregates). */
  public Set<String> poolNames() {
    return Set.copyOf(known);
  }

  @Override
  public List<EventSource<?, PmemPool>> prepareEventSources(EventSourceContext<PmemPool> ctx) {
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, PmemPool.class)
                .withName("nodes")
                .withSecondaryToPrimaryMapper(
                    node ->
                        ctx.getPrimaryCache()
                            .list()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                // a mapper, not JOSDK's per-event index of nodes x pools (see NodeRenderReconciler)
                .withPrimaryToSecondaryMapper(
                    (PmemPool pool) ->
                        nodes.list().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withOnUpdateFilter(Changes::nodeLabelsChanged)
                .build(),
            ctx);
    List<EventSource<?, PmemPool>> sources = new ArrayList<>(List.of(nodes, trigger));
    deviceClasses.eventSource(ctx).ifPresent(sources::add);
    return sources;
  }

  @Override
  public UpdateControl<PmemPool> reconcile(PmemPool pool, Context<PmemPool> context) {
    if (!pmemNodes.ready()) {
      return UpdateControl.<PmemPool>noUpdate().rescheduleAfter(CACHE_WAIT.toMillis());
    }
    aggregateAndRecord(pool);
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(PmemPool pool, Context<PmemPool> context) {
    if (!pmemNodes.ready()) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(CACHE_WAIT.toMillis());
    }
    PoolAggregate agg = aggregateAndRecord(pool);
    if (!agg.holdingNodes().isEmpty()) {
      LOG.info(
          "pool {}: {} node(s) still hold it, finalizer kept",
          pool.getMetadata().getName(),
          agg.holdingNodes().size());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(releaseRecheck.toMillis());
    }
    lastIssues.remove(pool.getMetadata().getUid());
    known.remove(pool.getMetadata().getName());
    metrics.forgetPool(pool.getMetadata().getName());
    events.normal(pool, "Released", "every node released the pool; finalizer removed");
    statusWriter.admitFinalizerRemoval(pool);
    return DeleteControl.defaultDelete();
  }

  /**
   * An unexpected failure reaches the pool's status: condition {@code ReconcileError} with the
   * failure's message (phase {@code Failed} if none was computed yet), written only when it
   * changes; counted in {@code daxtier_pool_reconcile_errors_total}. JOSDK's retry then runs as
   * configured, and the next successful reconcile recomputes the status without the condition.
   */
  @Override
  public ErrorStatusUpdateControl<PmemPool> updateErrorStatus(
      PmemPool pool, Context<PmemPool> context, Exception e) {
    metrics.poolFailed();
    String name = pool.getMetadata().getName();
    LOG.warn("pool {}: reconcile failed: {}", name, ErrorReport.describe(e));
    try {
      statusWriter.write(
          pool,
          ErrorCondition.with(
              pool.getStatus(),
              pool.getMetadata().getGeneration(),
              ErrorReport.describe(e),
              clock.instant()));
    } catch (RuntimeException again) {
      LOG.warn("pool {}: could not record the failure in status: {}", name, again.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private PoolAggregate aggregateAndRecord(PmemPool pool) {
    // observe
    String name = pool.getMetadata().getName();
    known.add(name);
    Map<String, Node> nodesByName = new HashMap<>();
    nodes.list().forEach(n -> nodesByName.put(n.getMetadata().getName(), n));
    List<NodeView> views = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    boolean deleting = pool.isMarkedForDeletion();
    for (Node node : nodesByName.values()) {
      String n = node.getMetadata().getName();
      boolean selected =
          !deleting
              && LabelSelectors.matches(
                  pool.getSpec().nodeSelector, node.getMetadata().getLabels());
      PmemNode pn = pmemNodes.pmemNode(n).orElse(null);
      if (selected || holds(pn, name)) {
        views.add(new NodeView(n, selected, pn));
        seen.add(n);
      }
    }
    // PmemNodes whose Node is gone are left to the garbage collector (ownerReference): not counted.
    // validate
    Optional<String> invalid = PoolValidator.validate(pool);
    // render
    PoolAggregate agg =
        PoolStatusCalculator.compute(pool, views, invalid, notReporting.get(), clock.instant());
    // apply
    emitTransitions(pool, agg.issues());
    DeviceClassOutcome deviceClass =
        invalid.isPresent() ? new DeviceClassOutcome.Unchanged() : deviceClasses.sync(pool);
    if (deleting) {
      deviceClass = new DeviceClassOutcome.Unchanged(); // the class is gone; the status keeps shape
    }
    PoolStatusCalculator.withDeviceClass(pool, agg.status(), deviceClass, clock.instant());
    metrics.recordPool(name, agg.nodesByState(), agg.status());
    metrics.aggregated();
    // record status
    if (statusWriter.write(pool, agg.status())) {
      LOG.debug("pool {}: status written (phase {})", name, agg.status().phase);
    }
    return agg;
  }

  private void emitTransitions(PmemPool pool, Map<String, NodeIssue> issues) {
    String uid = pool.getMetadata().getUid();
    Map<String, NodeIssue> before = lastIssues.get(uid);
    if (before == null && pool.getStatus() != null && pool.getStatus().observedGeneration != null) {
      before = issues; // first sight after a restart: the earlier process reported these already
    }
    Map<String, NodeIssue> prev = before == null ? Map.of() : before;
    issues.forEach(
        (node, issue) -> {
          if (!Objects.equals(prev.get(node), issue)) {
            events.warning(
                pool,
                "Node" + issue.kind().name(),
                "node "
                    + node
                    + ": "
                    + issue.reason()
                    + (issue.message() == null || issue.message().isEmpty()
                        ? ""
                        : ": " + issue.message()));
          }
        });
    lastIssues.put(uid, Map.copyOf(issues));
  }

  private static boolean holds(PmemNode pn, String pool) {
    return pn != null
        && pn.getSpec() != null
        && pn.getSpec().pools != null
        && pn.getSpec().pools.stream().anyMatch(e -> pool.equals(e.name));
  }
}
