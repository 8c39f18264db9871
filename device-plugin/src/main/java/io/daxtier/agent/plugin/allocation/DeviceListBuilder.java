package io.daxtier.agent.plugin.allocation;

import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;

/** Turns an {@link AdvertisedResource} into the devices the kubelet sees. Pure. */
public final class DeviceListBuilder {
  private DeviceListBuilder() {}

  public static DeviceList build(AdvertisedResource resource) {
    List<PluginDevice> devices =
        resource.mode() == PoolMode.SystemRam ? memoryUnits(resource) : daxUnits(resource);
    return new DeviceList(
        resource.resourceName(), resource.pool(), resource.mode(), resource.unitBytes(), devices);
  }

  private static List<PluginDevice> memoryUnits(AdvertisedResource resource) {
    long unit = resource.unitBytes();
    List<PluginDevice> out = new ArrayList<>();
    List<NumaCapacity> nodes = new ArrayList<>(resource.numaNodes());
    nodes.sort(Comparator.comparingInt(NumaCapacity::node));
    for (NumaCapacity n : nodes) {
      // Only whole units are advertised; a partial tail is never handed out.
      int count = Math.toIntExact(n.onlineBytes() / unit);
      boolean[] unhealthy = unhealthyUnits(n, unit, count);
      OptionalInt topology = topology(resource.topology(), n.node(), n.nearestCpuNode());
      for (int i = 0; i < count; i++) {
        String id = new UnitId(n.node(), i).toString();
        out.add(new MemoryUnit(id, n.node(), i, unit, !unhealthy[i], topology));
      }
    }
    return out;
  }

  /** Units touched by a known bad range, then the highest units for poison known only by size. */
  static boolean[] unhealthyUnits(NumaCapacity n, long unit, int count) {
    boolean[] unhealthy = new boolean[count];
    int marked = 0;
    for (ByteRange r : n.unhealthyRanges()) {
      long first = r.offset() / unit;
      long last = Math.min(r.last() / unit, count - 1L);
      for (long i = first; i <= last; i++) {
        if (!unhealthy[(int) i]) {
          unhealthy[(int) i] = true;
          marked++;
        }
      }
    }
    long unlocated = n.unhealthyBytes() - (long) marked * unit;
    for (int i = count - 1; i >= 0 && unlocated > 0; i--) {
      if (!unhealthy[i]) {
        unhealthy[i] = true;
        unlocated -= unit;
      }
    }
    return unhealthy;
  }

  private static List<PluginDevice> daxUnits(AdvertisedResource resource) {
    List<PluginDevice> out = new ArrayList<>();
    for (DaxCharDevice d : resource.daxDevices()) {
      // A device-dax device is not a NUMA node of its own: its memory's nearest CPU node is the
      // best topology there is, so NumaNode and NearestCpuNode both name it.
      OptionalInt topology = topology(resource.topology(), d.numaNode(), d.numaNode());
      out.add(new DaxUnit(d.name(), d.path(), d.numaNode(), d.healthy(), topology));
    }
    out.sort(Comparator.comparing(PluginDevice::id));
    return out;
  }

  private static OptionalInt topology(TopologyMode mode, int node, int nearestCpuNode) {
    int named =
        switch (mode) {
          case NumaNode -> node;
          case NearestCpuNode -> nearestCpuNode;
          case None -> NumaCapacity.NO_NODE;
        };
    return named < 0 ? OptionalInt.empty() : OptionalInt.of(named);
  }
}
