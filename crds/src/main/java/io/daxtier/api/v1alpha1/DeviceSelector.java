package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Which dax devices on a node belong to a pool. All given criteria must hold (AND); an empty name
 * or region list restricts nothing. Evaluated by {@link io.daxtier.api.rules.DeviceSelection}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeviceSelector {

  @JsonPropertyDescription(
      "Exact device names (e.g. dax0.0; at most 256 names of up to 32 characters). Absent or"
          + " empty ([]) means any device: every device that passes the other criteria.")
  @Size(max = PoolSpecLimits.MAX_DEVICE_LIST)
  public List<@Pattern("^dax[0-9]+\\.[0-9]+$") @Size(max = 32) String> daxDevices;

  @JsonPropertyDescription(
      "Only devices whose region is one of these (libnvdimm/CXL region names, e.g. region0; at"
          + " most 256 names of up to 32 characters). Absent or empty ([]) means any region.")
  @Size(max = PoolSpecLimits.MAX_DEVICE_LIST)
  public List<@Pattern("^region[0-9]+$") @Size(max = 32) String> regions;

  @JsonPropertyDescription(
      "Only devices backed by this kind of memory: pmem (NVDIMM), cxl (CXL expander), hmem"
          + " (soft-reserved), or any (default).")
  @Default("any")
  public MemoryType memoryType = MemoryType.ANY;

  @JsonPropertyDescription(
      "Only devices at least this large (a quantity such as 4Gi: up to 15 digits and Ki, Mi, Gi,"
          + " Ti or Pi; at most 64Ti).")
  @Pattern(PoolSpecLimits.SIZE_PATTERN)
  @Size(max = PoolSpecLimits.MAX_SIZE_LENGTH)
  @ValidationRule(
      value = PoolSpecLimits.CEL_SIZE_AT_MOST_MAX,
      message = "devices.minSize must be at most 64Ti",
      reason = "FieldValueInvalid")
  public String minSize;

  @JsonPropertyDescription(
      "Create devdax namespaces from free capacity in the selected regions before converting"
          + " (uses ndctl create-namespace --mode=devdax).")
  public ProvisionSpec provision;
}
