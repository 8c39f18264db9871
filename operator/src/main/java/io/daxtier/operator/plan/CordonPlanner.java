package io.daxtier.operator.plan;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.operator.render.DrainRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Whether daxtier wants a node cordoned (pure): while a drain for a pool still on the node runs and
 * its drainTimeout has not passed. Everything else uncordons, which is what keeps daxtier from ever
 * leaving a node cordoned — also after a crash, because the next reconcile re-derives it.
 */
public final class CordonPlanner {
  private CordonPlanner() {}

  /** Whether the node should be cordoned by daxtier now. */
  public static boolean wantCordon(
      List<NodePool> entries, Map<String, DrainRecord> drains, Instant now) {
    for (NodePool entry : entries) {
      DrainRecord d = drains.get(entry.name);
      if (d != null
          && !d.isAbandoned()
          && now.isBefore(d.started().plus(ReleasePlanner.drainTimeout(entry)))) {
        return true;
      }
    }
    return false;
  }
}
