package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Desired state of one node, written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PmemNodeSpec {

  @JsonPropertyDescription(
      "Pools that apply to this node, in precedence order (oldest first, then by name): where"
          + " two pools select the same device, the earlier one owns it. At most 256 pools.")
  @Size(max = 256)
  public List<NodePool> pools = new ArrayList<>();
}
