package io.daxtier.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.inventory.InventoryReader;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure policy: same inputs, same decisions; selection, release, backoff, scrub age. */
class PoolPolicyTest {
  static final Instant NOW = Instant.parse("2026-11-25T04:00:00Z");
  final Inventory qemu = new InventoryReader(Nodes.qemu()).read();
  final Inventory server = new InventoryReader(Nodes.secureServer()).read();

  @Test
  void convertsASelectedDevdaxDevice() {
    var d = PoolPolicy.decide(qemu, List.of(Pools.systemRam("p")), History.empty(), NOW);
    assertThat(d)
        .singleElement()
        .satisfies(x -> assertThat(x.decision()).isInstanceOf(Decision.Convert.class));
  }

  @Test
  void selectorCriteriaAllMustHold() {
    NodePool cxlOnly = Pools.with(Pools.systemRam("p"), Pools.memoryType(MemoryType.CXL));
    assertThat(PoolPolicy.decide(qemu, List.of(cxlOnly), History.empty(), NOW).get(0).decision())
        .isInstanceOf(Decision.Untouched.class);
    NodePool big = Pools.with(Pools.systemRam("p"), s -> s.devices.minSize = "2Gi");
    assertThat(PoolPolicy.decide(qemu, List.of(big), History.empty(), NOW).get(0).decision())
        .isInstanceOf(Decision.Untouched.class);
    NodePool region = Pools.with(Pools.systemRam("p"), s -> s.devices.regions = List.of("region1"));
    assertThat(PoolPolicy.decide(server, List.of(region), History.empty(), NOW))
        .extracting(DeviceDecision::pool)
        .containsExactly(null, "p");
  }

  @Test
  void aRecentScrubIsReusedAndAnOldOneRepeated() {
    var recent = History.empty().withScrub("ndbus0", NOW.minusSeconds(3600));
    var old = History.empty().withScrub("ndbus0", NOW.minusSeconds(25 * 3600));
    var fresh =
        (Decision.Convert)
            PoolPolicy.decide(server, List.of(Pools.systemRam("p")), recent, NOW).get(0).decision();
    var stale =
        (Decision.Convert)
            PoolPolicy.decide(server, List.of(Pools.systemRam("p")), old, NOW).get(0).decision();
    assertThat(fresh.scrub()).isFalse();
    assertThat(stale.scrub()).isTrue();
  }

  @Test
  void backoffWaitsUntilItsTime() {
    var h =
        History.empty()
            .withRetry(
                "dax0.0",
                new History.Retry(
                    io.daxtier.agent.policy.Reason.OfflineBusy, "busy", 1, NOW.plusSeconds(10)));
    assertThat(PoolPolicy.decide(qemu, List.of(Pools.systemRam("p")), h, NOW).get(0).decision())
        .isInstanceOf(Decision.Wait.class);
    assertThat(
            PoolPolicy.decide(qemu, List.of(Pools.systemRam("p")), h, NOW.plusSeconds(11))
                .get(0)
                .decision())
        .isInstanceOf(Decision.Convert.class);
  }

  @Test
  void aDevDaxDeviceInUseIsNeverClearedAndNotBlockedByItsPoison() {
    var k = Nodes.secureServer();
    k.addBadBlock("region1", 0x80000, 8); // inside dax1.0
    Inventory inv = new InventoryReader(k).read();
    NodePool pool = Pools.with(Pools.devDax("d"), Pools.devices("dax1.0"));
    var served = History.empty().withServing("dax1.0", "d");

    var recent = served.withScrub("ndbus0", NOW.minusSeconds(3600));
    var keep = (Decision.Keep) PoolPolicy.decide(inv, List.of(pool), recent, NOW).get(1).decision();
    assertThat(keep.warnings()).anyMatch(w -> w.startsWith("PoisonInUse"));

    var due = served.withScrub("ndbus0", NOW.minusSeconds(25 * 3600));
    var scrub =
        (Decision.Convert) PoolPolicy.decide(inv, List.of(pool), due, NOW).get(1).decision();
    assertThat(scrub.scrub()).isTrue();
    assertThat(scrub.clearErrors()).isFalse();

    // not yet handed out (or served for another pool): cleared together with the ARS
    var first =
        (Decision.Convert)
            PoolPolicy.decide(inv, List.of(pool), History.empty(), NOW).get(1).decision();
    assertThat(first.clearErrors()).isTrue();
    var other = History.empty().withServing("dax1.0", "gone");
    assertThat(
            ((Decision.Convert) PoolPolicy.decide(inv, List.of(pool), other, NOW).get(1).decision())
                .clearErrors())
        .isTrue();
  }

  @Test
  void afterAFirstStartNothingIsClearedBeforeTheAgentsOwnScrub() {
    var k = Nodes.secureServer();
    k.addBadBlock("region1", 0x80000, 8);
    Inventory inv = new InventoryReader(k).read();
    NodePool pool =
        Pools.with(
            Pools.with(Pools.systemRam("p"), Pools.devices("dax1.0")),
            s -> s.policy.scrub.beforeOnline = io.daxtier.api.v1alpha1.ScrubMode.Skip);

    var trusted =
        (Decision.Convert)
            PoolPolicy.decide(inv, List.of(pool), History.empty(), NOW).get(1).decision();
    assertThat(trusted.clearErrors()).isTrue(); // SystemRam: nothing on it yet
    assertThat(
            PoolPolicy.decide(inv, List.of(pool), History.empty().asCautious(), NOW)
                .get(1)
                .decision())
        .isInstanceOf(Decision.Block.class);
    var scrubbed = History.empty().asCautious().withScrub("ndbus0", NOW.minusSeconds(60));
    assertThat(
            ((Decision.Convert)
                    PoolPolicy.decide(inv, List.of(pool), scrubbed, NOW).get(1).decision())
                .clearErrors())
        .isTrue();
  }

  @Test
  void releaseCarriesTheActionAndWhetherItWasErased() {
    var d =
        PoolPolicy.decide(
            server,
            List.of(Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase)),
            History.empty()
                .withErase(
                    History.releaseKey("p", "p-uid"),
                    new History.Erase(
                        "p",
                        "p-uid",
                        1L,
                        List.of("nmem0", "nmem1"),
                        List.of("region0"),
                        java.util.Set.of("nmem0", "nmem1"),
                        java.util.Map.of("nmem0", NOW, "nmem1", NOW),
                        java.util.Set.of("nmem0", "nmem1"),
                        NOW)),
            NOW);
    assertThat(d)
        .extracting(DeviceDecision::decision)
        .containsExactly(
            new Decision.Release(ReleaseAction.Erase, true),
            new Decision.Release(ReleaseAction.Erase, false));
  }

  @Test
  void eraseWithoutNvdimmSecurityIsUnsafe() {
    var d =
        PoolPolicy.decide(
            qemu,
            List.of(Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase)),
            History.empty(),
            NOW);
    assertThat(((Decision.Block) d.get(0).decision()).rule()).isEqualTo(Reason.EraseUnsafe);
  }

  @Test
  void decisionsArePure() {
    var a = PoolPolicy.decide(server, List.of(Pools.systemRam("p")), History.empty(), NOW);
    var b = PoolPolicy.decide(server, List.of(Pools.systemRam("p")), History.empty(), NOW);
    assertThat(a).isEqualTo(b);
  }

  @Test
  void eraseNeverTouchesDimmsThatAlsoBackAnotherPoolsDevice() {
    Inventory shared =
        new InventoryReader(
                Nodes.yaml(
                    """
                    dimms: [{name: nmem0, security: unlocked}]
                    regions:
                      - {name: region0, start: "0x100000000", size: 1Gi, targetNode: 1, dimms: [nmem0]}
                      - {name: region1, start: "0x140000000", size: 1Gi, targetNode: 1, dimms: [nmem0]}
                    daxDevices: [{name: dax0.0, region: region0}, {name: dax1.0, region: region1}]
                    """))
            .read();
    NodePool p =
        Pools.with(
            Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase), Pools.devices("dax0.0"));
    var d = PoolPolicy.decide(shared, List.of(p), History.empty(), NOW);
    assertThat(d.get(0).decision())
        .isInstanceOfSatisfying(
            Decision.Block.class, b -> assertThat(b.rule()).isEqualTo(Reason.EraseUnsafe));
    assertThat(d.get(1).decision()).isInstanceOf(Decision.Untouched.class);
  }
}
