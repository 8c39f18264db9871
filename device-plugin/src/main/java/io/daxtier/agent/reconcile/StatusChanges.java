package io.daxtier.agent.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxtier.api.v1alpha1.PmemNodeStatus;

/**
 * Whether a new status says anything the last written one did not. Left out of the comparison: the
 * heartbeat (it moves every pass) and each NUMA node's free memory (it moves with every allocation
 * on a real node); both are refreshed by the slow full-status write instead. Condition times are
 * compared: {@link StatusBuilder#keepTransitionTimes} keeps them while nothing moves.
 */
public final class StatusChanges {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusChanges() {}

  /** True when {@code next} differs from {@code written} in anything but heartbeat-like fields. */
  public static boolean differ(PmemNodeStatus written, PmemNodeStatus next) {
    if (written == null || next == null) {
      return written != next;
    }
    return !steady(written).equals(steady(next));
  }

  private static JsonNode steady(PmemNodeStatus s) {
    ObjectNode tree = JSON.valueToTree(s);
    tree.remove("heartbeat");
    JsonNode numa = tree.get("numaNodes");
    if (numa != null && numa.isArray()) {
      numa.forEach(n -> ((ObjectNode) n).remove("memFreeBytes"));
    }
    return tree;
  }
}
