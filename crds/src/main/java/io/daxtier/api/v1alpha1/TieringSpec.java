package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Kernel memory tiering settings for a SystemRam pool. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TieringSpec {

  @JsonPropertyDescription(
      "Enable demotion of cold pages from DRAM into this tier during reclaim"
          + " (/sys/kernel/mm/numa/demotion_enabled, kernel 5.15 or later).")
  @Default("false")
  public Boolean demotion = Boolean.FALSE;
}
