package io.daxtier.agent.plugin.allocation;

import java.util.OptionalInt;

/** A whole device-dax char device (DevDax mode). */
public record DaxUnit(
    String id, String hostPath, int numaNode, boolean healthy, OptionalInt topologyNode)
    implements PluginDevice {}
