package io.daxtier.agent.plugin.allocation;

import java.util.OptionalInt;

/** One {@code resource.unit} of onlined memory on a NUMA node (SystemRam mode). */
public record MemoryUnit(
    String id, int numaNode, int index, long bytes, boolean healthy, OptionalInt topologyNode)
    implements PluginDevice {}
