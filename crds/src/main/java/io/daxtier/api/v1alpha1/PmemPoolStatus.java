package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Cluster-wide state of a pool, aggregated by the operator from every node's PmemNode. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PmemPoolStatus {
  /** Most blocked nodes listed individually; the counts stay exact beyond it. */
  public static final int MAX_BLOCKED_NODES = 20;

  @JsonPropertyDescription("The pool generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Summary: Pending, Converging, Ready, Blocked, Degraded, Releasing, Failed,"
          + " NoMatchingNodes (the nodeSelector matches no node).")
  public PoolPhase phase;

  @JsonPropertyDescription(
      "Ready, Degraded, PolicyBlocked, Conflict, Stale; DeviceClassReady on DRA pools (metav1"
          + " conditions).")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "DRA pools: the DeviceClass the operator keeps for the pool (resource.k8s.io/v1), which"
          + " claims name in deviceClassName and whose extendedResourceName is resource.name.")
  public String deviceClass;

  @JsonPropertyDescription("Nodes the pool's nodeSelector matches.")
  public Integer matchedNodes;

  @JsonPropertyDescription("Nodes where every selected device is online (or, DevDax, available).")
  public Integer readyNodes;

  @JsonPropertyDescription("Nodes where policy blocks at least one device.")
  public Integer blockedNodes;

  @JsonPropertyDescription(
      "Matched nodes whose agent does not renew its node Lease (daxtier-agent-<node>): not"
          + " reporting, their last reported state may be out of date.")
  public Integer staleNodes;

  @JsonPropertyDescription("Memory online for the pool across the cluster (a quantity).")
  public String onlineCapacity;

  @JsonPropertyDescription("Memory online for the pool across the cluster, in bytes.")
  public Long onlineBytes;

  @JsonPropertyDescription("Online memory not affected by poison, in bytes.")
  public Long healthyBytes;

  @JsonPropertyDescription(
      "Up to " + MAX_BLOCKED_NODES + " blocked nodes with their reasons (the first by name).")
  @Size(max = MAX_BLOCKED_NODES)
  public List<BlockedNode> blockedNodeList = new ArrayList<>();

  /** One blocked node and why. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class BlockedNode {
    @JsonPropertyDescription("Node name.")
    public String node;

    @JsonPropertyDescription("Machine-readable reason, e.g. EncryptionRequired.")
    public String reason;

    @JsonPropertyDescription("What was found.")
    public String message;

    public BlockedNode() {}

    public BlockedNode(String node, String reason, String message) {
      this.node = node;
      this.reason = reason;
      this.message = message;
    }
  }
}
