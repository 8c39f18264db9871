package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of one node, written by its agent only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PmemNodeStatus {

  @JsonPropertyDescription("The PmemNode generation (spec) the agent last applied.")
  public Long observedGeneration;

  @JsonPropertyDescription("When the agent last wrote this status (RFC 3339).")
  public String heartbeat;

  @JsonPropertyDescription("Kernel and platform facts that decide what the node can do.")
  public PlatformStatus platform;

  @JsonPropertyDescription("Every dax device on the node, whether or not a pool selects it.")
  public List<DeviceStatus> devices = new ArrayList<>();

  @JsonPropertyDescription("NUMA nodes with memory totals.")
  public List<NumaNodeStatus> numaNodes = new ArrayList<>();

  @JsonPropertyDescription("Per pool: what the agent achieved on this node.")
  public List<NodePoolStatus> pools = new ArrayList<>();

  @JsonPropertyDescription("Extended resources advertised to the kubelet.")
  public List<ResourceStatus> resources = new ArrayList<>();

  @JsonPropertyDescription("Ready, Degraded, PolicyBlocked (metav1 conditions).")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Devices online (or in use as DevDax) / devices owned by pools.")
  public String devicesSummary;

  @JsonPropertyDescription("Memory onlined by daxtier on this node (a quantity).")
  public String onlineCapacity;

  @JsonPropertyDescription("Memory onlined by daxtier on this node, in bytes.")
  public Long onlineBytes;

  @JsonPropertyDescription(
      "The agent's durable node record in short (its state directory): what the kernel cannot"
          + " tell it, kept across restarts.")
  public NodeRecordStatus record;
}
