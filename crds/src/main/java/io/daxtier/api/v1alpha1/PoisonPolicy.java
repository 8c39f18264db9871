package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Reaction to poison that appears after the memory is online. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PoisonPolicy {

  @JsonPropertyDescription(
      "RetirePages (default): write each affected page to hard_offline_page so the kernel never"
          + " hands it out again; MarkUnhealthy: report the affected capacity Unhealthy to the"
          + " kubelet; Ignore: only record it in status.")
  @Default("RetirePages")
  public PoisonAction onNewPoison = PoisonAction.RetirePages;
}
