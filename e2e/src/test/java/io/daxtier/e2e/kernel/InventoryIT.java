package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Scenario 1: {@code inventory --json} agrees with ndctl and daxctl on the real kernel. */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.InventoryIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class InventoryIT {

  @Parameter KernelImage kernel;

  @Test
  void inventoryAgreesWithNdctlAndDaxctl() throws Exception {
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "inventory",
            """
            devdax_namespaces
            step ndctl ndctl list -RNv
            step daxctl daxctl list
            step inventory agent inventory --json
            """,
            Map.of());
    assertThat(AgentScenario.rc(run, "inventory"))
        .as(AgentScenario.output(run, "inventory"))
        .isZero();
    JsonNode inventory = AgentScenario.json(run, "inventory.out");
    JsonNode ndctl = AgentScenario.json(run, "ndctl.out");
    JsonNode regions = ndctl.has("regions") ? ndctl.get("regions") : ndctl;
    assertThat(regions).hasSize(2);
    for (JsonNode region : regions) {
      String name = region.path("dev").asText();
      List<JsonNode> found = AgentScenario.objectsNaming(inventory, name);
      assertThat(found).as("region %s in %s", name, inventory).isNotEmpty();
      assertThat(found)
          .as("region %s size", name)
          .anyMatch(o -> AgentScenario.holdsNumber(o, region.path("size").asLong()));
      // A devdax namespace is its dax device: the agent must put that device in this region.
      for (JsonNode ns : region.path("namespaces")) {
        String chardev =
            AgentScenario.field(ns, "chardev"::equals, JsonNode::isTextual)
                .map(JsonNode::asText)
                .orElse("");
        assertThat(chardev).as("devdax namespace %s", ns).isNotEmpty();
        assertThat(AgentScenario.objectsNaming(inventory, chardev))
            .as("namespace %s (%s) in region %s", ns.path("dev").asText(), chardev, name)
            .anyMatch(o -> !AgentScenario.objectsNaming(o, name).isEmpty());
      }
    }
    JsonNode devices = AgentScenario.json(run, "daxctl.out");
    assertThat(devices).hasSize(2);
    for (JsonNode device : devices) {
      String name = device.path("chardev").asText();
      List<JsonNode> found = AgentScenario.objectsNaming(inventory, name);
      assertThat(found).as("dax device %s in %s", name, inventory).isNotEmpty();
      assertThat(found)
          .as("%s size %d", name, device.path("size").asLong())
          .anyMatch(o -> AgentScenario.holdsNumber(o, device.path("size").asLong()));
      int target = device.path("target_node").asInt();
      assertThat(found)
          .as("%s target node %d", name, target)
          .anyMatch(
              o ->
                  AgentScenario.field(
                          o,
                          key -> key.toLowerCase().contains("target"),
                          v -> v.asInt(-1) == target)
                      .isPresent());
    }
  }
}
