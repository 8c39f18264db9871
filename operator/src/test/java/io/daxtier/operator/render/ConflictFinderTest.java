package io.daxtier.operator.render;

import static io.daxtier.operator.Fixtures.device;
import static io.daxtier.operator.Fixtures.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoolMode;
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
        .containsExactly(
            new Conflict(
                "n1",
                "b",
                "a",
                Conflict.Kind.DeviceConflict,
                "dax1.0",
                "owned by pool a (precedence)"));
    assertThat(found.get(0).message())
        .isEqualTo("node n1: device dax1.0 is owned by pool a (precedence)");
  }

  /**
   * Issue 14: an empty daxDevices or regions list means any device, as the agent reads it; the
   * operator once read it as none and missed this conflict the agent enforces.
   */
  @Test
  void anEmptyListSelectsEveryDevice() {
    NodePool a = NodeRenderer.entryFor(pool("a", "2026-01-01T00:00:00Z", null));
    a.spec.devices.daxDevices = List.of();
    a.spec.devices.regions = List.of();
    NodePool b = NodeRenderer.entryFor(pool("b", "2026-01-02T00:00:00Z", null));
    b.spec.devices.regions = List.of("region1");

    assertThat(
            ConflictFinder.find(
                "n1",
                List.of(a, b),
                List.of(
                    device("dax0.0", "region0", 1L << 34), device("dax1.0", "region1", 1L << 34))))
        .extracting(Conflict::pool, Conflict::subject)
        .containsExactly(tuple("b", "dax1.0"));
  }

  /**
   * The younger pool holds the device (its agent reports it Online or Releasing for it): the older
   * pool is the one in conflict, named the way the agent names it ("held by pool b").
   */
  @Test
  void aPoolHoldingADeviceKeepsItAgainstAnOlderOne() {
    NodePool a = NodeRenderer.entryFor(pool("a", "2026-01-01T00:00:00Z", null));
    NodePool b = NodeRenderer.entryFor(pool("b", "2026-01-02T00:00:00Z", null));
    b.spec.mode = PoolMode.DevDax;
    DeviceStatus served = device("dax0.0", "region0", 1L << 34);
    served.mode = DeviceMode.DEVDAX;
    served.pool = "b";
    served.phase = DevicePhase.Online;
    DeviceStatus releasing = device("dax1.0", "region1", 1L << 34);
    releasing.mode = DeviceMode.SYSTEM_RAM;
    releasing.pool = "b";
    releasing.phase = DevicePhase.Releasing;

    List<Conflict> found = ConflictFinder.find("n1", List.of(a, b), List.of(served, releasing));

    assertThat(found)
        .containsExactly(
            new Conflict("n1", "a", "b", Conflict.Kind.DeviceConflict, "dax0.0", "held by pool b"),
            new Conflict("n1", "a", "b", Conflict.Kind.DeviceConflict, "dax1.0", "held by pool b"));
    assertThat(found.get(0).message()).isEqualTo("node n1: device dax0.0 is held by pool b");
  }

  /**
   * Online as System RAM with no pool reported holding it: a DevDax pool does not take it, even the
   * older one; the SystemRam pool may.
   */
  @Test
  void aDeviceInUseWithNoHolderKeepsItsUse() {
    NodePool a = NodeRenderer.entryFor(pool("a", "2026-01-01T00:00:00Z", null));
    NodePool b = NodeRenderer.entryFor(pool("b", "2026-01-02T00:00:00Z", null));
    a.spec.mode = PoolMode.DevDax;
    DeviceStatus online = device("dax0.0", "region0", 1L << 34);
    online.mode = DeviceMode.SYSTEM_RAM;
    online.blocksOnline = 16;
    online.blocksTotal = 16;

    assertThat(ConflictFinder.find("n1", List.of(a, b), List.of(online)))
        .containsExactly(
            new Conflict(
                "n1",
                "a",
                "b",
                Conflict.Kind.DeviceConflict,
                "dax0.0",
                "in use as system-ram by pool b: a DevDax pool does not convert it"));
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
            new Conflict(
                "n1",
                "c",
                "a",
                Conflict.Kind.ResourceUnitConflict,
                "daxtier.io/pmem",
                "advertised by pool a with another unit"));
  }
}
