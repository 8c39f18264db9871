package io.daxtier.agent.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.plugin.allocation.AdvertisedResource;
import io.daxtier.agent.plugin.allocation.ByteRange;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapacityAdvertiserTest {
  static final long MIB = 1024 * 1024;

  static PoolCapacity pool(String name, String resource, boolean ready, NumaCapacity... nodes) {
    return new PoolCapacity(
        name,
        PoolMode.SystemRam,
        resource,
        128 * MIB,
        TopologyMode.NumaNode,
        ready,
        List.of(nodes));
  }

  static NumaCapacity node(int id, List<AddressRange> online, List<AddressRange> bad) {
    long bytes = online.stream().mapToLong(AddressRange::size).sum();
    return new NumaCapacity(id, 0, bytes, online, bad, List.of());
  }

  static NodeState state(PoolCapacity... pools) {
    return new NodeState(Instant.EPOCH, List.of(pools), Map.of(), List.of(0));
  }

  static final AddressRange LOW = new AddressRange(0x108000000L, 0x10fffffffL);
  static final AddressRange HIGH = new AddressRange(0x208000000L, 0x20fffffffL);

  @Test
  void poisonBecomesOffsetsIntoThePoolsMemoryLaidEndToEnd() {
    AddressRange page = new AddressRange(0x208001000L, 0x208001fffL);
    assertThat(CapacityAdvertiser.offsets(List.of(HIGH, LOW), List.of(page)))
        .containsExactly(new ByteRange(LOW.size() + 0x1000, 0x1000));
  }

  @Test
  void advertisesOnlyConvergedPoolsThenFollowsThemUntilEmpty() {
    var converging = pool("a", "x.io/pmem", false, node(1, List.of(LOW), List.of()));
    assertThat(CapacityAdvertiser.resources(state(converging), Set.of())).isEmpty();
    assertThat(CapacityAdvertiser.resources(state(converging), Set.of("a"))).hasSize(1);

    var empty =
        pool("a", "x.io/pmem", true, new NumaCapacity(1, 0, 0, List.of(), List.of(), List.of()));
    assertThat(CapacityAdvertiser.resources(state(empty), Set.of("a"))).isEmpty();
  }

  @Test
  void firstPoolWinsAResourceName() {
    var a = pool("a", "x.io/pmem", true, node(1, List.of(LOW), List.of()));
    var b = pool("b", "x.io/pmem", true, node(2, List.of(HIGH), List.of()));
    assertThat(CapacityAdvertiser.resources(state(a, b), Set.of()))
        .extracting(AdvertisedResource::pool)
        .containsExactly("a");
  }

  @Test
  void healthyBytesShrinkByThePoison() {
    AddressRange page = new AddressRange(0x108000000L, 0x108000fffL);
    var r =
        CapacityAdvertiser.resources(
            state(pool("a", "x.io/pmem", true, node(1, List.of(LOW), List.of(page)))), Set.of());
    assertThat(r.get(0).numaNodes().get(0).unhealthyBytes()).isEqualTo(4096);
    assertThat(r.get(0).numaNodes().get(0).unhealthyRanges())
        .containsExactly(new ByteRange(0, 4096));
  }

  @Test
  void pushesOnlyChanges() {
    List<List<AdvertisedResource>> pushed = new ArrayList<>();
    CapacityAdvertiser advertiser = new CapacityAdvertiser(pushed::add);
    var s = state(pool("a", "x.io/pmem", true, node(1, List.of(LOW), List.of())));
    advertiser.accept(s);
    advertiser.accept(s);
    assertThat(pushed).hasSize(1);
    advertiser.accept(state());
    assertThat(pushed).hasSize(2).last().asList().isEmpty();
  }

  @Test
  void devDaxPoolsAdvertiseTheirCharDevices() {
    var p =
        new PoolCapacity(
            "d",
            PoolMode.DevDax,
            "x.io/dax",
            0,
            TopologyMode.NumaNode,
            true,
            List.of(new NumaCapacity(1, 0, 0, List.of(), List.of(), List.of("/dev/dax0.0"))));
    var r = CapacityAdvertiser.resources(state(p), Set.of());
    assertThat(r.get(0).daxDevices()).extracting(d -> d.name()).containsExactly("dax0.0");
  }

  static PoolCapacity dra(PoolCapacity p) {
    return new PoolCapacity(
        p.pool(),
        p.mode(),
        p.resourceName(),
        p.unitBytes(),
        p.topology(),
        p.ready(),
        p.numaNodes(),
        ResourceApi.DRA);
  }

  @Test
  void draPoolsAreLeftToTheirResourceSlices() {
    var plugin = pool("a", "x.io/pmem", true, node(1, List.of(LOW), List.of()));
    var slices = dra(pool("b", "x.io/tier", true, node(2, List.of(HIGH), List.of())));
    assertThat(CapacityAdvertiser.resources(state(plugin, slices), Set.of()))
        .extracting(AdvertisedResource::pool)
        .containsExactly("a");
  }

  @Test
  void aPoolSwitchedToDraStopsBeingAdvertised() {
    List<List<AdvertisedResource>> pushed = new ArrayList<>();
    CapacityAdvertiser advertiser = new CapacityAdvertiser(pushed::add);
    var p = pool("a", "x.io/pmem", true, node(1, List.of(LOW), List.of()));
    advertiser.accept(state(p));
    advertiser.accept(state(dra(p)));
    assertThat(pushed).hasSize(2);
    assertThat(pushed.get(0)).extracting(AdvertisedResource::pool).containsExactly("a");
    assertThat(pushed.get(1)).isEmpty();
  }
}
