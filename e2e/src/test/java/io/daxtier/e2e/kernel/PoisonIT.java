package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 5: a page of the onlined range retired through the kernel's poison path ({@code
 * hard_offline_page}) shows as HardwareCorrupted in the guest and in the agent's status. QEMU's
 * NFIT has no error injection, so the page is retired the way the agent's RetirePages does it
 * (real-kernel-notes, findings 5 and 6).
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.PoisonIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class PoisonIT {

  @Parameter KernelImage kernel;

  @Test
  void retiredPageIsHardwareCorruptedInMeminfoAndInTheAgentStatus() throws Exception {
    PmemPool pool =
        AgentScenario.pool(
            "poison",
            s -> {
              s.devices = ConvertIT.selecting(List.of("dax0.0"));
              s.policy.scrub.beforeOnline = ScrubMode.Skip;
            });
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "poison",
            """
            devdax_namespaces
            step apply agent apply -f "$OUT/pool.yaml"
            state before
            blocks=($(dax_blocks dax0.0))
            read -r hex </sys/devices/system/memory/block_size_bytes
            # A free page 2 MiB into the first onlined block of node 1.
            addr=$(printf '0x%x' $((blocks[0] * 16#$hex + 2097152)))
            echo "$addr" >"$OUT/poison-addr"
            retire() { echo "$1" >/sys/devices/system/memory/hard_offline_page; }
            step retire retire "$addr"
            state after
            step run agent run --once --metrics-port -1 --pool-file "$OUT/pool.yaml" \\
              --status-file "$OUT/status.json"
            """,
            Map.of("pool", pool));
    assertThat(AgentScenario.rc(run, "apply")).as(AgentScenario.output(run, "apply")).isZero();
    assertThat(AgentScenario.rc(run, "retire")).as(run.file("retire.err")).isZero();
    KernelState before = KernelState.read(run, "before");
    KernelState after = KernelState.read(run, "after");
    assertThat(after.hardwareCorruptedKb()).isEqualTo(before.hardwareCorruptedKb() + 4);
    assertThat(after.kb(1)).isEqualTo(before.kb(1));

    assertThat(run.has("status.json"))
        .as("run mode wrote no status: %s", AgentScenario.output(run, "run"))
        .isTrue();
    JsonNode status = AgentScenario.json(run, "status.json");
    assertThat(
            AgentScenario.field(
                status,
                key -> key.toLowerCase().matches(".*(corrupt|poison).*"),
                PoisonIT::nonZero))
        .as("HardwareCorrupted / poisoned pages in the agent status %s", status)
        .isPresent();
  }

  private static boolean nonZero(JsonNode v) {
    if (v.isNumber()) {
      return v.asLong() > 0;
    }
    if (v.isContainerNode()) {
      return !v.isEmpty();
    }
    return !v.asText().isBlank() && !v.asText().matches("0+( ?[kKMG]i?B?)?");
  }
}
