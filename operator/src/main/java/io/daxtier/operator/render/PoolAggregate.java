package io.daxtier.operator.render;

import io.daxtier.api.v1alpha1.PmemPoolStatus;
import java.util.List;
import java.util.Map;

/**
 * A pool's computed status, the issue of every troubled node (for events), the nodes whose PmemNode
 * still holds the pool (the finalizer waits for them), and node counts by state (for metrics).
 */
public record PoolAggregate(
    PmemPoolStatus status,
    Map<String, NodeIssue> issues,
    List<String> holdingNodes,
    Map<String, Integer> nodesByState) {}
