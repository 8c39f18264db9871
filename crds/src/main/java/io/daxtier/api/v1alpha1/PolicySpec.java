package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * The safety rules from the kernel discussion that made kmem possible: scrub poison first, keep
 * data encrypted at rest, only trust CPUs that survive consuming poison, and watch afterwards.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicySpec {

  @JsonPropertyDescription("Address Range Scrub and known-poison handling before onlining.")
  public ScrubPolicy scrub = new ScrubPolicy();

  @JsonPropertyDescription(
      "NVDIMM security (encryption at rest) over every DIMM backing a device's region. Memory"
          + " onlined as RAM lands on persistent media, so mlock'ed secrets persist: Required"
          + " blocks unless every DIMM is unlocked with a passphrase, Preferred (default) warns,"
          + " Disabled does not look. DIMMs without security support count as not encrypted.")
  @Default("Preferred")
  public EncryptionPolicy encryption = EncryptionPolicy.Preferred;

  @JsonPropertyDescription(
      "Machine-check recovery of the node's CPUs: consuming poison through 'rep; movs' is only"
          + " survivable where machine checks are recoverable. Required blocks unless the"
          + " capability is Supported (Unknown does not satisfy it), Preferred (default) warns,"
          + " Ignore does not look.")
  @Default("Preferred")
  public RecoverabilityPolicy recoverability = RecoverabilityPolicy.Preferred;

  @JsonPropertyDescription("What to do about poison found after the memory is online.")
  public PoisonPolicy poison = new PoisonPolicy();
}
