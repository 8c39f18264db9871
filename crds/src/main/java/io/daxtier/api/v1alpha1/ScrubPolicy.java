package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Scrub before online: find latent poison with ARS and clear it before the kernel may use it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScrubPolicy {

  @JsonPropertyDescription(
      "Required: an Address Range Scrub must complete (within maxAge) before onlining, and a"
          + " platform without ARS blocks. IfSupported (default): scrub where the platform can."
          + " Skip: trust the bad-block list the kernel already has.")
  @Default("IfSupported")
  public ScrubMode beforeOnline = ScrubMode.IfSupported;

  @JsonPropertyDescription(
      "A completed scrub younger than this is reused instead of starting a new one (a duration"
          + " such as 24h or 90m, at most 720h = 30 days).")
  @Default("24h")
  @Pattern(Durations.PATTERN)
  @Size(max = PoolSpecLimits.MAX_DURATION_LENGTH)
  @ValidationRule(
      value = "duration(self) >= duration('0s')",
      message = "maxAge must be a duration such as 24h, 90m or 1h30m")
  @ValidationRule(
      value = PoolSpecLimits.CEL_DURATION_AT_MOST_MAX,
      message = "policy.scrub.maxAge must be at most 720h (30 days)",
      reason = "FieldValueInvalid")
  public String maxAge = "24h";

  @JsonPropertyDescription(
      "Clear known poison (ndctl clear-errors) before onlining. The data in a poisoned block is"
          + " already lost; clearing makes the block usable again.")
  @Default("true")
  public Boolean clearErrors = Boolean.TRUE;

  @JsonPropertyDescription(
      "Highest number of bad-block ranges left after clearing that still allows onlining"
          + " (default 0: any remaining poison blocks the device; at most 512, the size of the"
          + " kernel's bad-block table).")
  @Default("0")
  @Min(0)
  @Max(PoolSpecLimits.MAX_BAD_BLOCKS)
  public Integer maxBadBlocks = 0;
}
