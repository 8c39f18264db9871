package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.PmemPool;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 2: a SystemRam pool applied with the agent ends with both devices in system-ram mode,
 * every block online in Movable, nodes 1 and 2 grown; re-applying writes nothing to sysfs.
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.ConvertIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class ConvertIT {

  @Parameter KernelImage kernel;

  @Test
  void applyConvertsAndOnlinesAndReapplyWritesNothing() throws Exception {
    PmemPool pool =
        AgentScenario.pool("convert", s -> s.devices = selecting(List.of("dax0.0", "dax1.0")));
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "convert",
            """
            devdax_namespaces
            state before
            writes_begin
            step apply agent apply -f "$OUT/pool.yaml"
            writes_end apply.writes
            state after
            writes_begin
            step reapply agent apply -f "$OUT/pool.yaml"
            writes_end reapply.writes
            state again
            """,
            Map.of("pool", pool));
    KernelState before = KernelState.read(run, "before");
    assertThat(before.modes())
        .containsOnly(Map.entry("dax0.0", "devdax"), Map.entry("dax1.0", "devdax"));
    assertThat(before.kb(1)).isZero();

    assertThat(AgentScenario.rc(run, "apply")).as(AgentScenario.output(run, "apply")).isZero();
    KernelState after = KernelState.read(run, "after");
    assertThat(after.modes())
        .containsOnly(Map.entry("dax0.0", "system-ram"), Map.entry("dax1.0", "system-ram"));
    // kmem onlines whole 128 MiB blocks inside the range: one block per DIMM is lost to the
    // devdax info block (real-kernel-notes, finding 2).
    assertThat(after.blocksOf("dax0.0")).hasSize(7);
    assertThat(after.blocksOf("dax1.0")).hasSize(11);
    assertThat(after.blocks())
        .allSatisfy(
            b -> {
              assertThat(b.state()).isEqualTo("online");
              assertThat(b.zone()).isEqualTo("Movable");
            });
    assertThat(after.kb(1)).isEqualTo(7 * 128 * 1024L);
    assertThat(after.kb(2)).isEqualTo(11 * 128 * 1024L);
    assertThat(AgentScenario.writes(run, "apply.writes"))
        .extracting(AgentScenario.Write::attribute)
        .anyMatch(a -> a.startsWith("kmem/"))
        .anyMatch(a -> a.matches("memory\\d+/state"));

    assertThat(AgentScenario.rc(run, "reapply")).as(AgentScenario.output(run, "reapply")).isZero();
    assertThat(AgentScenario.writes(run, "reapply.writes"))
        .as("sysfs writes on re-apply")
        .isEmpty();
    assertThat(KernelState.read(run, "again")).isEqualTo(after);
  }

  static DeviceSelector selecting(List<String> devices) {
    DeviceSelector selector = new DeviceSelector();
    selector.daxDevices = devices;
    return selector;
  }
}
