package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How memory is given back when a pool is deleted or a node leaves it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.action != 'Erase' || (has(self.confirmErase) && self.confirmErase == true)",
    message =
        "release.action Erase sanitizes the DIMMs and destroys their data: set"
            + " release.confirmErase: true to confirm",
    reason = "FieldValueRequired")
public class ReleaseSpec {

  @JsonPropertyDescription(
      "Keep (default): memory stays online and daxtier forgets it. Offline: pods using it are"
          + " evicted, the memory offlined and the device returned to device-dax. Erase: as"
          + " Offline, then the DIMMs are sanitized (needs confirmErase).")
  @Default("Keep")
  public ReleaseAction action = ReleaseAction.Keep;

  @JsonPropertyDescription("Must be true for action Erase: an explicit confirmation.")
  public Boolean confirmErase;

  @JsonPropertyDescription("At most this many nodes release at the same time (default 1).")
  @Default("1")
  @Min(1)
  public Integer maxUnavailable = 1;

  @JsonPropertyDescription(
      "A drain that has not finished after this long is abandoned and the node uncordoned"
          + " (default 10m, at most 720h = 30 days). daxtier never leaves a node cordoned.")
  @Default("10m")
  @Pattern(Durations.PATTERN)
  @Size(max = PoolSpecLimits.MAX_DURATION_LENGTH)
  @ValidationRule(
      value = PoolSpecLimits.CEL_DURATION_AT_MOST_MAX,
      message = "release.drainTimeout must be at most 720h (30 days)",
      reason = "FieldValueInvalid")
  public String drainTimeout = "10m";
}
