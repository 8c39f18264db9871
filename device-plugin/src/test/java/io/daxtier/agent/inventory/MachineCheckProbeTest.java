package io.daxtier.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.testing.Nodes;
import io.daxtier.api.v1alpha1.Capability;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each machine-check recovery rule, with its evidence. */
class MachineCheckProbeTest {
  @ParameterizedTest(name = "{0} fam {1} model {2} flags [{3}] mcg {4} cmdline [{5}] -> {6}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GenuineIntel|6|85|erms|0x1000c14||Supported|skx_repmov_quirk",
        "GenuineIntel|6|143|erms fsrm|0x1000c14||Supported|copy_mc_enhanced_fast_string",
        "GenuineIntel|6|85|erms|0xc14||Unsupported|MCG_SER_P (bit 24) clear",
        "GenuineIntel|6|63|erms|0x1000c14||Unknown|copy_mc_fragile",
        "GenuineIntel|6|63|erms|0x1000c14|mce=recovery|Supported|mce=recovery",
        // the command line settles an unknown answer, never a negative or positive one
        "GenuineIntel|6|85|erms|0xc14|ro mce=recovery|Unsupported|MCG_SER_P (bit 24) clear",
        "GenuineIntel|6|85|erms|0xc14|mce=recovery|Unsupported|does not change",
        "AuthenticAMD|23|49|smca||mce=recovery|Unsupported|without the succor flag",
        "GenuineIntel|6|85|erms||mce=recovery|Supported|unreadable",
        "GenuineIntel|6|85|erms||ro quiet mce=recovery|Supported|sets copy_mc_fragile",
        "CentaurHauls|6|15|fpu||mce=recovery|Supported|sets copy_mc_fragile",
        "GenuineIntel|6|143|erms fsrm|0x1000c14|mce=recovery|Supported|does not change",
        "GenuineIntel|6|85|erms|||Unknown|unreadable",
        "AuthenticAMD|25|17|succor smca|||Supported|succor",
        "AuthenticAMD|23|49|smca|||Unsupported|without the succor flag",
        "CentaurHauls|6|15|fpu|||Unknown|no known rule",
      })
  void rules(
      String vendor,
      int family,
      int model,
      String flags,
      String mcg,
      String cmdline,
      Capability expected,
      String evidence) {
    String yaml =
        "cmdline: \""
            + (cmdline == null ? "ro" : cmdline)
            + "\"\n"
            + "cpu: {vendor: "
            + vendor
            + ", family: "
            + family
            + ", model: "
            + model
            + ", flags: ["
            + String.join(", ", flags.split(" "))
            + "]"
            + (mcg == null ? "" : ", mcgCap: \"" + mcg + "\"")
            + "}\n";
    var mc = new InventoryReader(Nodes.yaml(yaml)).read().platform().mcRecovery();
    assertThat(mc.capability()).isEqualTo(expected);
    assertThat(String.join("\n", mc.evidence())).contains(evidence);
  }
}
