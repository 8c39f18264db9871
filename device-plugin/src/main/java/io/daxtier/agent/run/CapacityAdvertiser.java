package io.daxtier.agent.run;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.plugin.allocation.AdvertisedResource;
import io.daxtier.agent.plugin.allocation.ByteRange;
import io.daxtier.agent.plugin.allocation.DaxCharDevice;
import io.daxtier.agent.plugin.allocation.NumaCapacity;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ResourceApi;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every observed {@link NodeState} into the resources the device plugin advertises. A pool is
 * first advertised only once it has converged on this node (so after a reboot no pod lands before
 * its memory is back); from then on it follows the pool's capacity until the pool leaves the node's
 * state or has nothing online. Where two pools name the same resource, the first (the operator's
 * precedence order) is advertised. Pools whose {@code resource.api} is DRA are never advertised
 * here: their ResourceSlices are (see {@code io.daxtier.agent.dra.SlicePublisher}).
 */
public final class CapacityAdvertiser implements Consumer<NodeState> {
  private static final Logger LOG = LoggerFactory.getLogger(CapacityAdvertiser.class);

  private final Consumer<List<AdvertisedResource>> plugin;
  private final Set<String> advertised = new HashSet<>();
  private List<AdvertisedResource> last;

  public CapacityAdvertiser(Consumer<List<AdvertisedResource>> plugin) {
    this.plugin = plugin;
  }

  @Override
  public synchronized void accept(NodeState state) {
    List<AdvertisedResource> resources = resources(state, advertised);
    advertised.clear();
    resources.forEach(r -> advertised.add(r.pool()));
    if (!resources.equals(last)) {
      LOG.info(
          "advertising {}",
          resources.stream().map(r -> r.resourceName() + "(" + r.pool() + ")").toList());
      last = resources;
      plugin.accept(resources);
    }
  }

  /** The resources for {@code state}, given the pools advertised after the previous state. */
  static List<AdvertisedResource> resources(NodeState state, Set<String> advertisedBefore) {
    List<AdvertisedResource> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (PoolCapacity pool : state.pools()) {
      if (pool.api() == ResourceApi.DRA) {
        // The DRA slice publisher hands this pool to pods; a pool switched to DRA stops here.
        continue;
      }
      boolean hasCapacity =
          pool.numaNodes().stream()
              .anyMatch(n -> n.onlineBytes() > 0 || !n.devDaxPaths().isEmpty());
      if (!hasCapacity || !(pool.ready() || advertisedBefore.contains(pool.pool()))) {
        continue;
      }
      if (!names.add(pool.resourceName())) {
        LOG.warn(
            "pool {} names resource {} that an earlier pool already advertises; not advertised",
            pool.pool(),
            pool.resourceName());
        continue;
      }
      out.add(pool.mode() == PoolMode.DevDax ? devDax(pool) : systemRam(pool));
    }
    return List.copyOf(out);
  }

  private static AdvertisedResource systemRam(PoolCapacity pool) {
    List<NumaCapacity> nodes = new ArrayList<>();
    for (var n : pool.numaNodes()) {
      if (n.onlineBytes() <= 0) {
        continue;
      }
      List<ByteRange> bad = offsets(n.onlineRanges(), n.unhealthy());
      nodes.add(
          new NumaCapacity(
              n.node(),
              n.onlineBytes(),
              n.onlineBytes() - n.healthyBytes(),
              bad,
              n.nearestCpuNode() < 0 ? NumaCapacity.NO_NODE : n.nearestCpuNode()));
    }
    return AdvertisedResource.systemRam(
        pool.resourceName(), pool.pool(), pool.unitBytes(), pool.topology(), nodes);
  }

  private static AdvertisedResource devDax(PoolCapacity pool) {
    List<DaxCharDevice> devices = new ArrayList<>();
    for (var n : pool.numaNodes()) {
      for (String path : n.devDaxPaths()) {
        devices.add(
            new DaxCharDevice(
                path,
                n.nearestCpuNode() < 0 ? NumaCapacity.NO_NODE : n.nearestCpuNode(),
                n.unhealthy().isEmpty()));
      }
    }
    return AdvertisedResource.devDax(pool.resourceName(), pool.pool(), pool.topology(), devices);
  }

  /**
   * Physical unhealthy ranges as offsets into the pool's memory on the node, its online ranges laid
   * end to end from the lowest address (the plugin's unit numbering).
   */
  static List<ByteRange> offsets(List<AddressRange> online, List<AddressRange> unhealthy) {
    List<AddressRange> sorted =
        online.stream().sorted(Comparator.comparingLong(AddressRange::start)).toList();
    List<ByteRange> out = new ArrayList<>();
    long base = 0;
    for (AddressRange o : sorted) {
      for (AddressRange u : unhealthy) {
        if (o.overlaps(u)) {
          AddressRange hit = o.intersect(u);
          out.add(new ByteRange(base + hit.start() - o.start(), hit.size()));
        }
      }
      base += o.size();
    }
    return out;
  }
}
