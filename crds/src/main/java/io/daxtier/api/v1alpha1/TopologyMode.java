package io.daxtier.api.v1alpha1;

/** What TopologyInfo the device plugin reports for each unit. */
public enum TopologyMode {
  NumaNode,
  NearestCpuNode,
  None
}
