package io.daxtier.agent.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The assembled agent runs passes on its own thread, hands every node state to each extra listener,
 * starts extra components after the passes and closes them before, and owns only what it was told
 * to.
 */
class AgentAssemblyTest {
  private final SimulatedKernel kernel = Nodes.qemu();
  private final List<String> events = new CopyOnWriteArrayList<>();

  @Test
  void extraListenersAndComponentsRunWithTheAgent() throws Exception {
    List<NodeState> seen = new CopyOnWriteArrayList<>();
    DesiredStateSource pools =
        () -> Optional.of(new DesiredState(List.of(Pools.systemRam("tier")), 1L));
    AgentAssembly agent =
        AgentAssembly.builder(
                kernel, new NodeReconciler(kernel, new SimulatedNdctl(kernel), Clock.systemUTC()))
            .standalone(pools, status -> {})
            .listener(seen::add)
            .component(component("first"))
            .component(component("second"))
            .interval(Duration.ofMinutes(10))
            .threads(r -> new Thread(r, "assembly-test"))
            .build();
    assertThat(agent.plugins()).isEmpty();
    assertThat(agent.health()).isEmpty();
    assertThat(events).isEmpty(); // nothing runs before start

    agent.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
    assertThat(agent.loop().lastResult()).isPresent();
    assertThat(events).containsExactly("first started", "second started");

    agent.close();
    assertThat(agent.awaitStopped(Duration.ofSeconds(5))).isTrue();
    assertThat(events)
        .containsExactly("first started", "second started", "second closed", "first closed");
    agent.close(); // once only
    assertThat(events).hasSize(4);
  }

  private AgentAssembly.Component component(String name) {
    return new AgentAssembly.Component() {
      @Override
      public void start() {
        events.add(name + " started");
      }

      @Override
      public void close() {
        events.add(name + " closed");
      }
    };
  }
}
