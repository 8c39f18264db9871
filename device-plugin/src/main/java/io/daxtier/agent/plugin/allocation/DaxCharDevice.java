package io.daxtier.agent.plugin.allocation;

import java.util.Objects;

/**
 * A device-dax char device handed to pods whole (DevDax mode).
 *
 * @param path the device node, e.g. {@code /dev/dax0.0}
 * @param numaNode the closest node with CPUs (the device's {@code numa_node}), or {@link
 *     NumaCapacity#NO_NODE}
 * @param healthy false when the device's region has poison the pool does not tolerate
 */
public record DaxCharDevice(String path, int numaNode, boolean healthy) {
  public DaxCharDevice {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/") || name(path).isEmpty()) {
      throw new IllegalArgumentException("not an absolute device path: " + path);
    }
  }

  /** The device name, e.g. {@code dax0.0}: the device id the kubelet sees. */
  public String name() {
    return name(path);
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
