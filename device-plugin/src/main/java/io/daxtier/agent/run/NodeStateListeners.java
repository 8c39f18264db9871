package io.daxtier.agent.run;

import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.PoolCapacity;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the observed node state leaves the agent core: {@code run} hands every new {@link
 * NodeState} to {@link #create()}'s consumer. Wire the device plugin manager in here.
 */
public final class NodeStateListeners {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStateListeners.class);

  private NodeStateListeners() {}

  public static Consumer<NodeState> create() {
    return state -> {
      for (PoolCapacity p : state.pools()) {
        LOG.info(
            "pool {}: {} ready={} {}",
            p.pool(),
            p.resourceName(),
            p.ready(),
            p.numaNodes().stream().map(n -> "node" + n.node() + "=" + n.onlineBytes()).toList());
      }
    };
  }
}
