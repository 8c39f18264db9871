package io.daxtier.agent.dra;

import io.daxtier.agent.plugin.allocation.AllocationPlanner;
import io.daxtier.api.v1alpha1.PoolMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The CDI spec of one prepared claim (Container Device Interface, spec version {@value
 * #CDI_VERSION}): one CDI device per prepared device, each carrying the environment the device
 * plugin's Allocate sets, so applications and memkind read the same variables either way.
 *
 * <ul>
 *   <li>SystemRam: {@code DAXTIER_NUMA_NODES} and {@code MEMKIND_DAX_KMEM_NODES} (the claim's kmem
 *       nodes, ascending, comma-separated) and {@code DAXTIER_BYTES} (the claim's consumed
 *       capacity, summed).
 *   <li>DevDax: {@code DAXTIER_DAX_DEVICES} (the claim's character devices) and the device node.
 * </ul>
 *
 * <p>The values are the claim's totals, the same in each of its CDI devices, so the order in which
 * a runtime applies them does not matter. Pure.
 */
final class CdiSpec {
  /** The CDI spec version: env and deviceNodes need no newer one. */
  static final String CDI_VERSION = "0.6.0";

  /** The CDI kind (vendor/class) of every device the driver prepares. */
  static final String KIND = "daxtier.io/memory";

  private CdiSpec() {}

  /** The spec file's name: driver and claim uid, one file per claim. */
  static String fileName(String claimUid) {
    return DraNames.DRIVER + "_" + claimUid + ".json";
  }

  /** The spec as a JSON tree (maps and lists, in a stable order). */
  static Map<String, Object> render(PreparedClaim claim) {
    List<String> ramEnv = systemRamEnv(claim.devices());
    List<String> daxEnv = devDaxEnv(claim.devices());
    List<Object> devices = new ArrayList<>();
    for (PreparedDevice d : claim.devices()) {
      Map<String, Object> edits = new LinkedHashMap<>();
      if (d.mode() == PoolMode.DevDax) {
        edits.put("env", daxEnv);
        edits.put("deviceNodes", List.of(Map.of("path", d.devDaxPath(), "permissions", "rw")));
      } else {
        edits.put("env", ramEnv);
      }
      Map<String, Object> device = new LinkedHashMap<>();
      device.put("name", d.cdiName());
      device.put("containerEdits", edits);
      devices.add(device);
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("cdiVersion", CDI_VERSION);
    spec.put("kind", KIND);
    spec.put("devices", devices);
    return spec;
  }

  private static List<String> systemRamEnv(List<PreparedDevice> devices) {
    List<PreparedDevice> ram =
        devices.stream().filter(d -> d.mode() == PoolMode.SystemRam).toList();
    String nodes =
        ram.stream()
            .map(PreparedDevice::numaNode)
            .filter(n -> n >= 0)
            .collect(Collectors.toCollection(TreeSet::new))
            .stream()
            .map(String::valueOf)
            .collect(Collectors.joining(","));
    long bytes = ram.stream().mapToLong(PreparedDevice::bytes).sum();
    return List.of(
        AllocationPlanner.ENV_NUMA_NODES + "=" + nodes,
        AllocationPlanner.ENV_MEMKIND_NODES + "=" + nodes,
        AllocationPlanner.ENV_BYTES + "=" + bytes);
  }

  private static List<String> devDaxEnv(List<PreparedDevice> devices) {
    return List.of(
        AllocationPlanner.ENV_DAX_DEVICES
            + "="
            + devices.stream()
                .filter(d -> d.mode() == PoolMode.DevDax)
                .map(PreparedDevice::devDaxPath)
                .collect(Collectors.joining(",")));
  }
}
