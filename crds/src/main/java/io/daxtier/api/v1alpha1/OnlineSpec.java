package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** How the memory of a SystemRam pool is onlined. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OnlineSpec {

  @JsonPropertyDescription(
      "Movable (default) keeps the memory hot-removable and only holds movable allocations;"
          + " Normal lets the kernel use it for its own allocations but it may never be offlined"
          + " again.")
  @Default("Movable")
  public Zone zone = Zone.Movable;
}
