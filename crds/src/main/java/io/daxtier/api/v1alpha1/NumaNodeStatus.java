package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One NUMA node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NumaNodeStatus {
  @JsonPropertyDescription("NUMA node id.")
  public Integer id;

  @JsonPropertyDescription("MemTotal in bytes.")
  public Long memTotalBytes;

  @JsonPropertyDescription("MemFree in bytes.")
  public Long memFreeBytes;

  @JsonPropertyDescription("Whether the node has CPUs (kmem nodes have none).")
  public Boolean hasCpu;

  @JsonPropertyDescription("Memory tier the node is in (smaller is faster), when known.")
  public Integer memoryTier;
}
