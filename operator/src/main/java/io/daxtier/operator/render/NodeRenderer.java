package io.daxtier.operator.render;

import io.daxtier.api.rules.Precedence;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.model.LabelSelectors;
import io.daxtier.operator.model.PoolValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Renders the pools that apply to one node from the node's labels and every pool (pure). */
public final class NodeRenderer {
  private NodeRenderer() {}

  /**
   * Renders one node.
   *
   * @param labels the Node's labels
   * @param pools every PmemPool in the cluster
   * @param current the node's current {@code spec.pools} (empty when there is no PmemNode yet)
   * @param agentPools the agent's per-pool status by pool name
   * @param agentCaughtUp whether the agent has observed the PmemNode's current generation, so that
   *     a {@code Released} it reports answers our latest request and not an older one
   */
  public static RenderedNode render(
      Map<String, String> labels,
      List<PmemPool> pools,
      List<NodePool> current,
      Map<String, NodePoolStatus> agentPools,
      boolean agentCaughtUp) {
    Map<String, NodePool> currentByName = new HashMap<>();
    current.forEach(e -> currentByName.put(e.name, e));
    Map<String, PmemPool> poolsByName = new HashMap<>();
    pools.forEach(p -> poolsByName.put(p.getMetadata().getName(), p));

    List<NodePool> active = new ArrayList<>();
    for (PmemPool pool : pools.stream().sorted(Precedence.POOLS).toList()) {
      if (pool.isMarkedForDeletion()
          || !LabelSelectors.matches(pool.getSpec().nodeSelector, labels)) {
        continue;
      }
      NodePool cur = currentByName.get(pool.getMetadata().getName());
      boolean sameUid = cur != null && Objects.equals(cur.uid, pool.getMetadata().getUid());
      if (cur != null && (!sameUid || cur.state == NodePoolState.Release)) {
        continue; // the old entry is released first
      }
      if (PoolValidator.validate(pool).isPresent()) {
        if (cur != null) {
          active.add(cur); // keep what the node has; never release because of a bad edit
        }
        continue;
      }
      active.add(entryFor(pool));
    }

    List<Leaving> leaving = new ArrayList<>();
    List<String> released = new ArrayList<>();
    for (NodePool cur : current) {
      boolean stays =
          cur.state == NodePoolState.Active
              && active.stream()
                  .anyMatch(a -> a.name.equals(cur.name) && Objects.equals(a.uid, cur.uid));
      if (stays) {
        continue;
      }
      NodePoolStatus agent = agentPools.get(cur.name);
      if (cur.state == NodePoolState.Release
          && agentCaughtUp
          && agent != null
          && agent.phase == PoolPhase.Released) {
        released.add(cur.name);
        continue;
      }
      leaving.add(new Leaving(cur, causeOf(cur, poolsByName.get(cur.name))));
    }
    return new RenderedNode(List.copyOf(active), List.copyOf(leaving), List.copyOf(released));
  }

  /** The node entry for {@code pool}: its spec without the node selector, state Active. */
  public static NodePool entryFor(PmemPool pool) {
    PmemPoolSpec src = pool.getSpec();
    PmemPoolSpec copy = new PmemPoolSpec();
    copy.nodeSelector = null;
    copy.devices = src.devices;
    copy.mode = src.mode;
    copy.online = src.online;
    copy.policy = src.policy;
    copy.tiering = src.tiering;
    copy.resource = src.resource;
    copy.release = src.release;
    return new NodePool(
        pool.getMetadata().getName(),
        pool.getMetadata().getUid(),
        pool.getMetadata().getGeneration(),
        NodePoolState.Active,
        copy);
  }

  private static Leaving.Cause causeOf(NodePool entry, PmemPool pool) {
    if (pool == null) {
      return Leaving.Cause.PoolGone;
    }
    if (!Objects.equals(pool.getMetadata().getUid(), entry.uid)) {
      return Leaving.Cause.PoolReplaced;
    }
    if (pool.isMarkedForDeletion()) {
      return Leaving.Cause.PoolDeleted;
    }
    return Leaving.Cause.NodeUnselected;
  }
}
