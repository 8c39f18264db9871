package io.daxtier.operator.render;

import io.daxtier.api.v1alpha1.PmemNode;

/** One node as the pool aggregation sees it: whether the pool selects it, and its PmemNode. */
public record NodeView(String node, boolean selected, PmemNode pmemNode) {}
