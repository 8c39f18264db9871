package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxtier.api.v1alpha1.PmemPool;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A kernel that onlines hot-added memory itself, booted with its own defaults (no
 * memhp_default_state on the command line): 6.12 as Debian builds it; on 6.1, whose default is
 * offline, the script sets auto_online_blocks=online first, as a distribution's boot script would.
 * A Movable pool is blocked with the fixes named and nothing written; with the opt-in ({@code
 * --hotplug-policy Manage}) an agent killed right after its switch leaves the previous value in its
 * state directory, the next start (without the opt-in) puts it back, and a managed apply converts
 * into Movable with auto_online_blocks restored; daxctl referees the result.
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.AutoOnlineIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class AutoOnlineIT {

  @Parameter KernelImage kernel;

  private static final String AUTO = "/sys/devices/system/memory/auto_online_blocks";
  private static final String RECORD = "/var/lib/daxtier/node-record.json";

  @Test
  void blockedByDefaultManagedOnOptInAndRestoredAfterAKill() throws Exception {
    PmemPool pool =
        AgentScenario.pool("movable", s -> s.devices = ConvertIT.selecting(List.of("dax0.0")));
    Map<String, Object> manifests = new LinkedHashMap<>();
    manifests.put("pool", pool);
    RealKernel.requireAgentJar();
    GuestRun run =
        AgentScenario.run(
            RealKernel.guest(kernel, GuestTopology.pmemServer(), Duration.ofSeconds(420))
                .withKernelDefaults(),
            "auto-online",
            """
            devdax_namespaces
            auto() { cat %1$s >"$OUT/$1"; }
            auto boot
            [[ $(<%1$s) == offline ]] && echo online >%1$s
            step inventory agent inventory --json
            writes_begin
            step blocked agent apply -f "$OUT/pool.yaml"
            writes_end blocked.writes
            export DAXTIER_FAULT=halt-after-write:memory/auto_online_blocks
            step killed agent --hotplug-policy Manage apply -f "$OUT/pool.yaml"
            unset DAXTIER_FAULT
            auto killed
            cp %2$s "$OUT/record-killed.json"
            state killed
            step restarted agent apply -f "$OUT/pool.yaml"
            auto restarted
            cp %2$s "$OUT/record-restarted.json"
            writes_begin
            step managed agent --hotplug-policy Manage apply --json -f "$OUT/pool.yaml"
            writes_end managed.writes
            auto managed
            state managed
            cat /sys/devices/system/node/node1/meminfo >"$OUT/node1-meminfo"
            writes_begin
            step again agent --hotplug-policy Manage apply -f "$OUT/pool.yaml"
            writes_end again.writes
            """
                .formatted(AUTO, RECORD),
            manifests);

    boolean buildDefault = run.file("boot").trim().equals("online");
    JsonNode inventory = AgentScenario.json(run, "inventory.out");
    JsonNode auto = inventory.path("platform").path("autoOnline");
    assertThat(auto.path("policy").asText()).isEqualTo("online");
    assertThat(auto.path("agentPolicy").asText()).isEqualTo("Respect");
    assertThat(auto.path("source").asText())
        .contains(buildDefault ? "kernel build default" : "set at run time");
    if (kernel.name().equals("6.12")) {
      assertThat(buildDefault).as("Debian's 6.12 onlines hot-added memory by default").isTrue();
      assertThat(auto.path("buildDefault").asText()).isEqualTo("online");
    }

    // Respect (default): blocked, the fixes named, nothing written.
    assertThat(AgentScenario.rc(run, "blocked"))
        .as(AgentScenario.output(run, "blocked"))
        .isEqualTo(3);
    assertThat(AgentScenario.output(run, "blocked"))
        .contains("AutoOnlineConflict")
        .contains("memhp_default_state=offline")
        .contains("--hotplug-policy Manage");
    assertThat(AgentScenario.writes(run, "blocked.writes")).isEmpty();

    // Killed right after switching: the previous value is in the record, the device untouched.
    assertThat(AgentScenario.rc(run, "killed"))
        .as(AgentScenario.output(run, "killed"))
        .isEqualTo(137);
    assertThat(run.file("killed").trim()).isEqualTo("offline");
    JsonNode pending = AgentScenario.json(run, "record-killed.json").path("autoOnlineSwitch");
    assertThat(pending.path("previous").asText()).isEqualTo("online");
    assertThat(pending.path("device").asText()).isEqualTo("dax0.0");
    assertThat(KernelState.read(run, "killed").modes()).containsEntry("dax0.0", "devdax");

    // The next start, without the opt-in, restores it, then blocks the pool again.
    assertThat(run.file("restarted").trim()).isEqualTo("online");
    assertThat(AgentScenario.json(run, "record-restarted.json").has("autoOnlineSwitch")).isFalse();
    assertThat(AgentScenario.rc(run, "restarted")).isEqualTo(3);

    // Managed: converted into Movable, the switch only around the bind, the policy restored.
    assertThat(AgentScenario.rc(run, "managed")).as(AgentScenario.output(run, "managed")).isZero();
    assertThat(AgentScenario.writes(run, "managed.writes"))
        .extracting(AgentScenario.Write::attribute)
        .startsWith(
            "memory/auto_online_blocks",
            "device_dax/unbind",
            "kmem/new_id",
            "memory/auto_online_blocks")
        .filteredOn(a -> a.matches("memory\\d+/state"))
        .hasSize(7);
    assertThat(run.file("managed").trim()).isEqualTo("online");
    KernelState managed = KernelState.read(run, "managed");
    assertThat(managed.modes()).containsEntry("dax0.0", "system-ram");
    assertThat(managed.blocksOf("dax0.0"))
        .hasSize(7)
        .allSatisfy(
            b -> {
              assertThat(b.state()).isEqualTo("online");
              assertThat(b.zone()).isEqualTo("Movable");
            });
    JsonNode daxctl =
        AgentScenario.objectsNaming(AgentScenario.json(run, "managed.daxctl.json"), "dax0.0")
            .get(0);
    assertThat(daxctl.path("mode").asText()).isEqualTo("system-ram");
    assertThat(daxctl.path("movable").asBoolean()).as("daxctl: %s", daxctl).isTrue();
    assertThat(daxctl.path("online_memblocks").asInt()).isEqualTo(7);
    assertThat(AgentScenario.writes(run, "again.writes")).as("re-apply writes").isEmpty();
  }
}
