package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One pool as resolved for one node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodePool {

  @JsonPropertyDescription("PmemPool name (at most 253 characters).")
  @Required
  @Size(max = PoolSpecLimits.MAX_NAME_LENGTH)
  public String name;

  @JsonPropertyDescription(
      "PmemPool UID, so a re-created pool of the same name is a new pool (at most 64 characters).")
  @Size(max = 64)
  public String uid;

  @JsonPropertyDescription("PmemPool generation this entry was rendered from.")
  public Long generation;

  @JsonPropertyDescription(
      "Active: converge the node to the pool. Release: apply spec.release.action and report"
          + " Released; the operator then drops the entry.")
  @Default("Active")
  public NodePoolState state = NodePoolState.Active;

  @JsonPropertyDescription("A copy of the pool's spec (nodeSelector removed).")
  public PmemPoolSpec spec = new PmemPoolSpec();

  public NodePool() {}

  public NodePool(
      String name, String uid, Long generation, NodePoolState state, PmemPoolSpec spec) {
    this.name = name;
    this.uid = uid;
    this.generation = generation;
    this.state = state;
    this.spec = spec;
  }
}
