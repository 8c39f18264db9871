package io.daxtier.operator.render;

import io.daxtier.api.v1alpha1.NodePool;
import java.util.List;

/**
 * What a node should carry before release gating: the pools that apply ({@code active}, in
 * precedence order), the entries that must be released ({@code leaving}), and the entries whose
 * release the agent completed ({@code released}, to drop).
 */
public record RenderedNode(List<NodePool> active, List<Leaving> leaving, List<String> released) {}
