package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the agent achieved for one pool on its node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodePoolStatus {
  @JsonPropertyDescription("PmemPool name.")
  public String name;

  @JsonPropertyDescription("PmemPool generation the agent applied.")
  public Long observedGeneration;

  @JsonPropertyDescription("Pending, Converging, Ready, Blocked, Degraded, Releasing, Released.")
  public PoolPhase phase;

  @JsonPropertyDescription("Machine-readable reason, e.g. EncryptionRequired or OfflineBusy.")
  public String reason;

  @JsonPropertyDescription("Details for humans.")
  public String message;

  @JsonPropertyDescription("Devices the pool owns on this node.")
  public Integer devices;

  @JsonPropertyDescription("Devices online (or ready, DevDax).")
  public Integer devicesReady;

  @JsonPropertyDescription("Memory online for this pool on this node, in bytes.")
  public Long onlineBytes;

  @JsonPropertyDescription("Online memory not affected by poison, in bytes.")
  public Long healthyBytes;
}
