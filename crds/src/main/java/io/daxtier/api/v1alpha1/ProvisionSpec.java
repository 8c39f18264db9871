package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Namespace provisioning: carve devdax namespaces out of free region capacity. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProvisionSpec {

  @JsonPropertyDescription("Whether the agent creates devdax namespaces where a region has room.")
  @Default("true")
  public Boolean enabled = Boolean.TRUE;

  @JsonPropertyDescription(
      "Size of each namespace to create (a quantity such as 64Gi: up to 15 digits and Ki, Mi, Gi,"
          + " Ti or Pi; at most 64Ti). Absent: all of a region's free capacity.")
  @Pattern(PoolSpecLimits.SIZE_PATTERN)
  @Size(max = PoolSpecLimits.MAX_SIZE_LENGTH)
  @ValidationRule(
      value = PoolSpecLimits.CEL_SIZE_AT_MOST_MAX,
      message = "devices.provision.size must be at most 64Ti",
      reason = "FieldValueInvalid")
  public String size;

  @JsonPropertyDescription("Mapping alignment of the namespace, in bytes-quantity (default 2Mi).")
  @Default("2Mi")
  @Pattern("^(4Ki|2Mi|1Gi)$")
  public String align = "2Mi";
}
