package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Scenario 8: a device converted by daxctl beforehand is adopted: no sysfs write at all. */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.AdoptionIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class AdoptionIT {

  @Parameter KernelImage kernel;

  @Test
  void deviceConvertedByDaxctlIsAdoptedNotRedone() throws Exception {
    PmemPool pool =
        AgentScenario.pool(
            "adopt",
            s -> {
              s.devices = ConvertIT.selecting(List.of("dax0.0"));
              s.policy.scrub.beforeOnline = ScrubMode.Skip;
            });
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "adoption",
            """
            devdax_namespaces
            step daxctl daxctl reconfigure-device --mode=system-ram dax0.0
            state before
            writes_begin
            step apply agent apply -f "$OUT/pool.yaml"
            writes_end apply.writes
            state after
            """,
            Map.of("pool", pool));
    assertThat(AgentScenario.rc(run, "daxctl")).as(run.file("daxctl.err")).isZero();
    KernelState before = KernelState.read(run, "before");
    assertThat(before.modes()).containsEntry("dax0.0", "system-ram");

    assertThat(AgentScenario.rc(run, "apply")).as(AgentScenario.output(run, "apply")).isZero();
    assertThat(AgentScenario.writes(run, "apply.writes"))
        .as("sysfs writes while adopting")
        .isEmpty();
    KernelState after = KernelState.read(run, "after");
    assertThat(after).isEqualTo(before);
    assertThat(after.blocksOf("dax0.0")).hasSize(7).allMatch(b -> b.state().equals("online"));
  }
}
