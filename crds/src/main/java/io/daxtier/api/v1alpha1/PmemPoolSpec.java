package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** What a PmemPool asks for: which devices, on which nodes, used how, guarded by which policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.mode != 'DevDax' || (!has(self.online) && !has(self.tiering))",
    message =
        "online and tiering apply to SystemRam pools only: a DevDax pool hands the character"
            + " device to pods and never onlines memory",
    reason = "FieldValueForbidden")
public class PmemPoolSpec {

  @JsonPropertyDescription(
      "Nodes this pool applies to (a standard label selector, at most 64 matchLabels and 32"
          + " matchExpressions). Empty or absent selects every node.")
  @ValidationRule(
      value = PoolSpecLimits.CEL_SELECTOR_BOUNDED,
      message = "nodeSelector takes at most 64 matchLabels and 32 matchExpressions",
      reason = "FieldValueInvalid")
  public LabelSelector nodeSelector;

  @JsonPropertyDescription("Which dax devices on a matching node belong to this pool.")
  public DeviceSelector devices = new DeviceSelector();

  @JsonPropertyDescription(
      "SystemRam (default) re-binds each device to the kmem driver and onlines its memory as a"
          + " CPU-less NUMA node; DevDax leaves it as /dev/daxX.Y and hands the character device to"
          + " pods (for libpmem-style applications).")
  @Default("SystemRam")
  public PoolMode mode = PoolMode.SystemRam;

  @JsonPropertyDescription("How memory is onlined (SystemRam only).")
  public OnlineSpec online;

  @JsonPropertyDescription("Safety policy checked before any memory is onlined, and after.")
  public PolicySpec policy = new PolicySpec();

  @JsonPropertyDescription("Kernel memory tiering for this pool's nodes (SystemRam only).")
  public TieringSpec tiering;

  @JsonPropertyDescription("How the capacity is advertised to the kubelet as an extended resource.")
  public ResourceSpec resource = new ResourceSpec();

  @JsonPropertyDescription("What happens when the pool is deleted or a node stops matching it.")
  public ReleaseSpec release = new ReleaseSpec();

  /** The zone memory is onlined into, with the API default applied. */
  public Zone effectiveZone() {
    return online == null || online.zone == null ? Zone.Movable : online.zone;
  }

  /** Whether the pool asks for kernel demotion into its memory. */
  public boolean demotionRequested() {
    return tiering != null && Boolean.TRUE.equals(tiering.demotion);
  }
}
