package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The extended resource through which pods request this pool's memory. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceSpec {

  /** Extended resource name: a DNS subdomain prefix, a slash, and a name of up to 63 chars. */
  public static final String NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
          + "/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

  @JsonPropertyDescription(
      "Extended resource name pods request (default daxtier.io/pmem). It must be domain-prefixed"
          + " and outside the kubernetes.io and k8s.io domains (at most 317 characters), and cannot"
          + " change once the pool exists.")
  @Default(Api.DEFAULT_RESOURCE_NAME)
  @Pattern(NAME_PATTERN)
  @Size(max = PoolSpecLimits.MAX_RESOURCE_NAME_LENGTH)
  @ValidationRule(
      value = "!self.matches('^([^/]*\\\\.)?(kubernetes\\\\.io|k8s\\\\.io)/')",
      message = "resource.name must not be in the kubernetes.io or k8s.io domain",
      reason = "FieldValueInvalid")
  public String name = Api.DEFAULT_RESOURCE_NAME;

  @JsonPropertyDescription(
      "Memory per advertised device (default 1Gi; between 128Mi and 1Ti, a number and Mi, Gi or"
          + " Ti): a pod asking for N of the resource gets N units.")
  @Default(Api.DEFAULT_RESOURCE_UNIT)
  @Pattern(PoolSpecLimits.UNIT_PATTERN)
  @Size(max = PoolSpecLimits.MAX_UNIT_LENGTH)
  @ValidationRule(
      value =
          "self.endsWith('Gi') || self.endsWith('Ti')"
              + " || int(self.substring(0, self.size() - 2)) >= 128",
      message = "resource.unit must be at least 128Mi",
      reason = "FieldValueInvalid")
  @ValidationRule(
      value = PoolSpecLimits.CEL_UNIT_AT_MOST_MAX,
      message = "resource.unit must be at most 1Ti",
      reason = "FieldValueInvalid")
  public String unit = Api.DEFAULT_RESOURCE_UNIT;

  @JsonPropertyDescription(
      "What TopologyInfo each unit reports: NumaNode (default, the CPU-less node itself),"
          + " NearestCpuNode (the closest node with CPUs, for kubelets whose Topology Manager"
          + " stalls on many CPU-less nodes), or None. Device-plugin pools only: a DRA pool"
          + " publishes each device's NUMA node (resource.kubernetes.io/numaNode) and"
          + " nearestCpuNode as attributes and ignores this field.")
  @Default("NumaNode")
  public TopologyMode topology = TopologyMode.NumaNode;

  @JsonPropertyDescription(
      "How pods get the memory: DevicePlugin (default; the extended resource in units through the"
          + " kubelet's device-plugin API) or DRA (Dynamic Resource Allocation: the agent publishes"
          + " ResourceSlices with the memory's attributes and a DeviceClass whose"
          + " extendedResourceName is resource.name, so pods asking for the extended resource keep"
          + " working while ResourceClaims can select by tier, type and NUMA node). DRA needs"
          + " resource.k8s.io/v1 (Kubernetes 1.34 or later); without it the pool's condition"
          + " DeviceClassReady says DRAUnavailable.")
  @Default("DevicePlugin")
  public ResourceApi api = ResourceApi.DevicePlugin;
}
