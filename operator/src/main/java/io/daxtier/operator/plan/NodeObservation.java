package io.daxtier.operator.plan;

import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.operator.render.DrainRecord;
import io.daxtier.operator.render.RenderedNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the node planner reads about one node, gathered by the reconciler from its caches and
 * the per-node pod list.
 *
 * @param node the node's name
 * @param now the current time
 * @param rendered the node's rendered pools (active, leaving, released)
 * @param drains the drain records on the node's PmemNode, by pool
 * @param pods the node's unfinished pods; listed only when {@link NodePlanner#needsPods} said so,
 *     else empty
 * @param releasing per pool, the nodes that hold a release slot (a running drain on their PmemNode
 *     or a reservation not yet in the cache); may include this node
 * @param unschedulable whether the node is cordoned (by anyone)
 * @param cordonedByUs whether daxtier's cordon mark is on the node
 * @param readyLabelled whether the node carries the pmem-ready label
 * @param agent the node agent's reported pool statuses, by pool
 */
public record NodeObservation(
    String node,
    Instant now,
    RenderedNode rendered,
    Map<String, DrainRecord> drains,
    List<PodRef> pods,
    Map<String, Set<String>> releasing,
    boolean unschedulable,
    boolean cordonedByUs,
    boolean readyLabelled,
    Map<String, NodePoolStatus> agent) {
  public NodeObservation {
    drains = Map.copyOf(drains);
    pods = List.copyOf(pods);
    releasing = Map.copyOf(releasing);
    agent = Map.copyOf(agent);
  }
}
