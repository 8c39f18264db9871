package io.daxtier.operator.render;

import static io.daxtier.operator.Fixtures.device;
import static io.daxtier.operator.Fixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.NodePool;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConflictFinderTest {
  @Test
  void laterPoolLosesADeviceBothSelect() {
    NodePool a = NodeRenderer.entryFor(pool("a", "2026-01-01T00:00:00Z", null));
    NodePool b = NodeRenderer.entryFor(pool("b", "2026-01-02T00:00:00Z", null));
    b.spec.devices.regions = List.of("region1");

    List<Conflict> found =
        ConflictFinder.find(
            "n1",
            List.of(a, b),
            List.of(device("dax0.0", "region0", 1L << 34), device("dax1.0", "region1", 1L << 34)));

    assertThat(found)
        .containsExactly(new Conflict("n1", "b", "a", Conflict.Kind.DeviceConflict, "dax1.0"));
    assertThat(found.get(0).message()).isEqualTo("node n1: device dax1.0 is owned by pool a");
  }

  @Test
  void sameResourceNameWithAnotherUnitConflictsButTheSameUnitSpelledDifferentlyDoesNot() {
    NodePool a = NodeRenderer.entryFor(pool("a", "2026-01-01T00:00:00Z", null));
    NodePool b = NodeRenderer.entryFor(pool("b", "2026-01-02T00:00:00Z", null));
    NodePool c = NodeRenderer.entryFor(pool("c", "2026-01-03T00:00:00Z", null));
    a.spec.devices.daxDevices = List.of("dax0.0");
    b.spec.devices.daxDevices = List.of("dax0.1");
    c.spec.devices.daxDevices = List.of("dax0.2");
    b.spec.resource = new io.daxtier.api.v1alpha1.ResourceSpec();
    b.spec.resource.unit = "1024Mi";
    c.spec.resource = new io.daxtier.api.v1alpha1.ResourceSpec();
    c.spec.resource.unit = "2Gi";

    assertThat(ConflictFinder.find("n1", List.of(a, b, c), List.of()))
        .containsExactly(
            new Conflict("n1", "c", "a", Conflict.Kind.ResourceUnitConflict, "daxtier.io/pmem"));
  }
}
