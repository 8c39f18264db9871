package io.daxtier.agent.plugin.allocation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Diffs desired resources against the served ones into start, update and stop steps. Pure. */
public final class ResourceDiff {
  private ResourceDiff() {}

  /**
   * Stops first (so a socket name is free before it is reused), then starts and updates in the
   * order desired; an unchanged resource yields nothing.
   *
   * @throws IllegalArgumentException when two desired resources share a name
   */
  public static List<ResourceChange> diff(
      Map<String, DeviceList> served, List<DeviceList> desired) {
    Map<String, DeviceList> wanted = new LinkedHashMap<>();
    for (DeviceList d : desired) {
      if (wanted.put(d.resourceName(), d) != null) {
        throw new IllegalArgumentException(
            "resource " + d.resourceName() + " is advertised twice; one pool per resource name");
      }
    }
    List<ResourceChange> changes = new ArrayList<>();
    served.keySet().stream()
        .filter(name -> !wanted.containsKey(name))
        .sorted()
        .forEach(name -> changes.add(new ResourceChange.Stop(name)));
    for (DeviceList d : wanted.values()) {
      DeviceList current = served.get(d.resourceName());
      if (current == null) {
        changes.add(new ResourceChange.Start(d));
      } else if (!current.equals(d)) {
        changes.add(new ResourceChange.Update(d));
      }
    }
    return changes;
  }
}
