package io.daxtier.operator;

import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeSpec;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Hand-built API objects for pure tests. */
public final class Fixtures {
  private Fixtures() {}

  /** A pool selecting nodes with {@code labels}, created at {@code created} (RFC 3339). */
  public static PmemPool pool(String name, String created, Map<String, String> labels) {
    PmemPool p = new PmemPool();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withUid("uid-" + name)
            .withGeneration(1L)
            .withCreationTimestamp(created)
            .build());
    p.getSpec().nodeSelector =
        labels == null ? null : new LabelSelectorBuilder().withMatchLabels(labels).build();
    return p;
  }

  /** The same pool with another release action. */
  public static PmemPool withRelease(PmemPool p, ReleaseAction action, String drainTimeout) {
    p.getSpec().release.action = action;
    p.getSpec().release.drainTimeout = drainTimeout;
    if (action == ReleaseAction.Erase) {
      p.getSpec().release.confirmErase = true;
    }
    return p;
  }

  /** An agent's per-pool status. */
  public static NodePoolStatus agent(String pool, PoolPhase phase, String reason, Long online) {
    NodePoolStatus s = new NodePoolStatus();
    s.name = pool;
    s.phase = phase;
    s.reason = reason;
    s.message = reason == null ? null : "details of " + reason;
    s.onlineBytes = online;
    s.healthyBytes = online;
    return s;
  }

  /** A device an agent reports. */
  public static DeviceStatus device(String name, String region, long size) {
    DeviceStatus d = new DeviceStatus();
    d.name = name;
    d.region = region;
    d.size = size;
    d.memoryType = MemoryType.PMEM;
    return d;
  }

  /** A PmemNode carrying {@code entries} with agent {@code statuses} (caught up). */
  public static PmemNode pmemNode(
      String node, List<NodePool> entries, List<NodePoolStatus> statuses) {
    PmemNode pn = new PmemNode();
    pn.setMetadata(new ObjectMetaBuilder().withName(node).withGeneration(3L).build());
    pn.setSpec(new PmemNodeSpec());
    pn.getSpec().pools = new ArrayList<>(entries);
    pn.setStatus(new PmemNodeStatus());
    pn.getStatus().observedGeneration = 3L;
    pn.getStatus().pools = new ArrayList<>(statuses);
    return pn;
  }
}
