package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One extended resource advertised to the kubelet. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceStatus {
  @JsonPropertyDescription("Extended resource name.")
  public String name;

  @JsonPropertyDescription("Pool it belongs to.")
  public String pool;

  @JsonPropertyDescription("Devices advertised.")
  public Integer capacity;

  @JsonPropertyDescription("Devices advertised Healthy.")
  public Integer healthy;

  @JsonPropertyDescription("Whether the kubelet accepted the registration.")
  public Boolean registered;
}
