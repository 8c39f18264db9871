package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 3: a pool asking for provisioning creates the devdax namespace itself from a raw
 * region's free capacity. The DIMMs get label areas (initialised with {@code ndctl init-labels}),
 * so the regions start with free capacity and no namespace.
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.ProvisionIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class ProvisionIT {

  @Parameter KernelImage kernel;

  @Test
  void provisioningPoolCreatesTheDevdaxNamespaceItself() throws Exception {
    PmemPool pool =
        AgentScenario.pool(
            "provision",
            s -> {
              s.devices = new DeviceSelector();
              s.devices.regions = List.of("region0");
              s.devices.provision = new ProvisionSpec();
              s.devices.provision.size = "512Mi";
            });
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "provision",
            GuestTopology.labelledPmemServer(),
            """
            step labels bash -c \\
              'ndctl disable-region all && ndctl init-labels -f all && ndctl enable-region all'
            step before ndctl list -RN
            step apply agent apply -f "$OUT/pool.yaml"
            step after ndctl list -RN
            state after
            """,
            Map.of("pool", pool));
    assertThat(AgentScenario.rc(run, "labels")).as(run.file("labels.err")).isZero();
    assertThat(namespaces(AgentScenario.json(run, "before.out")))
        .containsOnly(Map.entry("region0", List.of()), Map.entry("region1", List.of()));

    assertThat(AgentScenario.rc(run, "apply")).as(AgentScenario.output(run, "apply")).isZero();
    Map<String, List<JsonNode>> after = namespaces(AgentScenario.json(run, "after.out"));
    assertThat(after.get("region1")).as("region1 is not selected").isEmpty();
    assertThat(after.get("region0")).as("namespaces of region0").hasSize(1);
    JsonNode created = after.get("region0").get(0);
    assertThat(created.path("mode").asText()).isEqualTo("devdax");
    assertThat(created.path("size").asLong()).isBetween(500L << 20, 512L << 20);
    KernelState state = KernelState.read(run, "after");
    assertThat(state.targetNodes()).containsOnly(Map.entry("dax0.0", 1));
    assertThat(state.modes()).containsOnly(Map.entry("dax0.0", "system-ram"));
    assertThat(state.blocksOf("dax0.0")).isNotEmpty().allMatch(b -> b.state().equals("online"));
    assertThat(state.kb(1)).isEqualTo(state.blocksOf("dax0.0").size() * 128 * 1024L);
  }

  /** Region name to its namespaces with a size, from {@code ndctl list -RN}. */
  private static Map<String, List<JsonNode>> namespaces(JsonNode listed) {
    JsonNode regions = listed.has("regions") ? listed.get("regions") : listed;
    Map<String, List<JsonNode>> byRegion = new TreeMap<>();
    for (JsonNode region : regions) {
      List<JsonNode> sized = new ArrayList<>();
      region.path("namespaces").forEach(ns -> sized.add(ns));
      byRegion.put(region.path("dev").asText(), sized);
    }
    return byRegion;
  }
}
