package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.TieringSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Scenario 6: a pool asking for demotion enables it; the memory tiers show the pmem nodes. */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.TieringIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class TieringIT {

  @Parameter KernelImage kernel;

  @Test
  void demotionEnabledAndPmemNodesInTheirOwnTier() throws Exception {
    PmemPool pool =
        AgentScenario.pool(
            "tiering",
            s -> {
              s.devices = ConvertIT.selecting(List.of("dax0.0", "dax1.0"));
              s.tiering = new TieringSpec();
              s.tiering.demotion = Boolean.TRUE;
            });
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "tiering",
            """
            devdax_namespaces
            read -r x </sys/kernel/mm/numa/demotion_enabled; echo "$x" >"$OUT/demotion-before"
            state before
            step apply agent apply -f "$OUT/pool.yaml"
            read -r x </sys/kernel/mm/numa/demotion_enabled; echo "$x" >"$OUT/demotion-after"
            state after
            """,
            Map.of("pool", pool));
    assertThat(run.file("demotion-before").trim()).isEqualTo("false");
    assertThat(KernelState.read(run, "before").tiers())
        .containsOnly(Map.entry("memory_tier4", "0"));

    assertThat(AgentScenario.rc(run, "apply")).as(AgentScenario.output(run, "apply")).isZero();
    assertThat(run.file("demotion-after").trim()).isEqualTo("true");
    // kmem registers its nodes at the default dax abstract distance, 5x DRAM: a slower tier.
    Map<String, String> tiers = KernelState.read(run, "after").tiers();
    assertThat(tiers).containsEntry("memory_tier4", "0");
    assertThat(tiers).hasSize(2).containsValue("1-2");
    String pmemTier =
        tiers.entrySet().stream()
            .filter(e -> e.getValue().equals("1-2"))
            .findFirst()
            .orElseThrow()
            .getKey();
    assertThat(Integer.parseInt(pmemTier.substring("memory_tier".length()))).isGreaterThan(4);
  }
}
