package io.daxtier.agent.plugin.allocation;

import io.daxtier.agent.plugin.allocation.AllocationDecision.ContainerGrant;
import io.daxtier.agent.plugin.allocation.AllocationDecision.DeviceNode;
import io.daxtier.agent.plugin.allocation.AllocationDecision.Granted;
import io.daxtier.agent.plugin.allocation.AllocationDecision.Reason;
import io.daxtier.agent.plugin.allocation.AllocationDecision.Rejected;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Decides what Allocate returns. SystemRam: the NUMA nodes and byte count as environment variables
 * (Allocate cannot set cpuset.mems; applications or an NRI plugin bind with them, and memkind's
 * MEMKIND_DAX_KMEM kind reads MEMKIND_DAX_KMEM_NODES). DevDax: the char devices. Pure.
 */
public final class AllocationPlanner {
  /** Comma-separated NUMA nodes holding the container's units, ascending. */
  public static final String ENV_NUMA_NODES = "DAXTIER_NUMA_NODES";

  /** The same list, under the name memkind reads for its MEMKIND_DAX_KMEM kinds. */
  public static final String ENV_MEMKIND_NODES = "MEMKIND_DAX_KMEM_NODES";

  /** Bytes granted: units times the unit size. */
  public static final String ENV_BYTES = "DAXTIER_BYTES";

  /** Comma-separated device paths granted in DevDax mode. */
  public static final String ENV_DAX_DEVICES = "DAXTIER_DAX_DEVICES";

  private AllocationPlanner() {}

  /** One list of ids per container, as the kubelet sent them. */
  public static AllocationDecision plan(DeviceList list, List<List<String>> containers) {
    List<ContainerGrant> grants = new ArrayList<>(containers.size());
    for (List<String> ids : containers) {
      if (ids.isEmpty()) {
        return new Rejected(Reason.NoDevices, "container request names no devices");
      }
      List<PluginDevice> devices = new ArrayList<>(ids.size());
      for (String id : ids) {
        PluginDevice d = list.find(id).orElse(null);
        if (d == null) {
          return new Rejected(
              Reason.UnknownDevice,
              "unknown device id " + id + " for resource " + list.resourceName());
        }
        if (!d.healthy()) {
          return new Rejected(
              Reason.UnhealthyDevice,
              "device " + id + " of resource " + list.resourceName() + " is unhealthy");
        }
        devices.add(d);
      }
      grants.add(grant(list, devices));
    }
    return new Granted(grants);
  }

  private static ContainerGrant grant(DeviceList list, List<PluginDevice> devices) {
    Map<String, String> env = new LinkedHashMap<>();
    List<DeviceNode> nodes = new ArrayList<>();
    String numaNodes =
        devices.stream()
            .map(PluginDevice::numaNode)
            .filter(n -> n >= 0)
            .collect(Collectors.toCollection(TreeSet::new))
            .stream()
            .map(String::valueOf)
            .collect(Collectors.joining(","));
    long bytes = 0;
    for (PluginDevice d : devices) {
      if (d instanceof MemoryUnit u) {
        bytes += u.bytes();
      } else if (d instanceof DaxUnit x) {
        nodes.add(new DeviceNode(x.hostPath(), x.hostPath(), "rw"));
      }
    }
    if (nodes.isEmpty()) {
      env.put(ENV_NUMA_NODES, numaNodes);
      env.put(ENV_MEMKIND_NODES, numaNodes);
      env.put(ENV_BYTES, Long.toString(bytes));
    } else {
      env.put(
          ENV_DAX_DEVICES,
          nodes.stream().map(DeviceNode::hostPath).collect(Collectors.joining(",")));
    }
    return new ContainerGrant(env, nodes);
  }
}
