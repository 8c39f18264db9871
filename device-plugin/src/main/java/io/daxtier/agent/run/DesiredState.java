package io.daxtier.agent.run;

import io.daxtier.api.v1alpha1.NodePool;
import java.util.List;

/** The pools this node should have, and the PmemNode generation they come from (may be null). */
public record DesiredState(List<NodePool> pools, Long generation) {
  public DesiredState {
    pools = List.copyOf(pools);
  }
}
