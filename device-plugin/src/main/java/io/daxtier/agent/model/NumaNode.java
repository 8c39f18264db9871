package io.daxtier.agent.model;

import java.util.List;

/** A NUMA node with its memory totals, CPUs, distances and memory tier. */
public record NumaNode(
    int id, long memTotal, long memFree, boolean hasCpu, List<Integer> distances, Integer tier) {
  public NumaNode {
    distances = List.copyOf(distances);
  }
}
