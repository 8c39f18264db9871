package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 4: encryption {@code Required} on QEMU's NVDIMMs (no security support) blocks with a
 * reason and touches nothing; recoverability {@code Required} follows what the agent reads from the
 * guest CPU.
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.PolicyIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class PolicyIT {

  @Parameter KernelImage kernel;

  private static final Set<String> CAPABILITIES = Set.of("Supported", "Unsupported", "Unknown");

  @Test
  void encryptionRequiredBlocksAndRecoverabilityFollowsTheGuestCpu() throws Exception {
    PmemPool encryption =
        AgentScenario.pool(
            "needs-encryption",
            s -> {
              s.devices = ConvertIT.selecting(List.of("dax0.0"));
              s.policy.encryption = EncryptionPolicy.Required;
              s.policy.recoverability = RecoverabilityPolicy.Ignore;
              s.policy.scrub.beforeOnline = ScrubMode.Skip;
            });
    PmemPool recoverability =
        AgentScenario.pool(
            "needs-recoverability",
            s -> {
              s.devices = ConvertIT.selecting(List.of("dax1.0"));
              s.policy.encryption = EncryptionPolicy.Disabled;
              s.policy.recoverability = RecoverabilityPolicy.Required;
              s.policy.scrub.beforeOnline = ScrubMode.Skip;
            });
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "policy",
            """
            devdax_namespaces
            step inventory agent inventory --json
            writes_begin
            step encryption agent apply -f "$OUT/encryption.yaml"
            writes_end encryption.writes
            state after-encryption
            writes_begin
            step recoverability agent apply -f "$OUT/recoverability.yaml"
            writes_end recoverability.writes
            state after-recoverability
            """,
            Map.of("encryption", encryption, "recoverability", recoverability));

    assertThat(AgentScenario.rc(run, "encryption")).as("blocked apply's exit code").isNotZero();
    assertThat(AgentScenario.output(run, "encryption").toLowerCase())
        .containsAnyOf("encrypt", "security");
    assertThat(AgentScenario.writes(run, "encryption.writes")).isEmpty();
    KernelState afterEncryption = KernelState.read(run, "after-encryption");
    assertThat(afterEncryption.modes())
        .containsOnly(Map.entry("dax0.0", "devdax"), Map.entry("dax1.0", "devdax"));
    assertThat(afterEncryption.kb(1)).isZero();

    JsonNode inventory = AgentScenario.json(run, "inventory.out");
    String capability =
        AgentScenario.field(
                inventory,
                key -> key.toLowerCase().matches(".*(recover|machinecheck|mce).*"),
                v -> CAPABILITIES.contains(v.isObject() ? state(v) : v.asText()))
            .map(v -> v.isObject() ? state(v) : v.asText())
            .orElseThrow(() -> new AssertionError("no recoverability in " + inventory));
    KernelState afterRecoverability = KernelState.read(run, "after-recoverability");
    if (capability.equals("Supported")) {
      assertThat(AgentScenario.rc(run, "recoverability")).isZero();
      assertThat(afterRecoverability.modes()).containsEntry("dax1.0", "system-ram");
    } else {
      assertThat(AgentScenario.rc(run, "recoverability"))
          .as("Required with a %s CPU", capability)
          .isNotZero();
      assertThat(AgentScenario.output(run, "recoverability").toLowerCase()).contains("recover");
      assertThat(AgentScenario.writes(run, "recoverability.writes")).isEmpty();
      assertThat(afterRecoverability.modes()).containsEntry("dax1.0", "devdax");
      assertThat(afterRecoverability.kb(2)).isZero();
    }
  }

  private static String state(JsonNode object) {
    for (String key : List.of("state", "status", "value", "capability")) {
      if (CAPABILITIES.contains(object.path(key).asText())) {
        return object.path(key).asText();
      }
    }
    return "";
  }
}
