package io.daxtier.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.testing.BlockingKernel;
import io.daxtier.agent.testing.Nodes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeadlineKernelTest {
  private static final String STATE = KernelPaths.block(33) + "/state";

  @Test
  void aWriteThatReturnsInTimePassesThroughWithTheKernelsAnswer() {
    SimulatedKernel sim = Nodes.qemu();
    try (DeadlineKernel k = new DeadlineKernel(sim, Duration.ofSeconds(5))) {
      k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), "dax0.0");
      assertThat(sim.driverOf("dax0.0")).isNull();

      // a refusal reaches the caller as if written on its own thread
      assertThatThrownBy(
              () -> k.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), "dax0.0"))
          .isInstanceOf(KernelException.class);
      assertThat(k.pending()).isEmpty();
    }
  }

  @Test
  void aHungWriteReturnsInProgressAtTheDeadlineAndGoesOnInTheKernel() throws Exception {
    SimulatedKernel sim = Nodes.qemu();
    sim.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), "dax0.0");
    sim.write(KernelPaths.driver(KernelPaths.KMEM, "new_id"), "dax0.0");
    BlockingKernel blocking = new BlockingKernel(sim, STATE, "online_movable");
    try (DeadlineKernel k = new DeadlineKernel(blocking, Duration.ofMillis(200))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> k.write(STATE, "online_movable"))
          .isInstanceOf(WriteInProgress.class)
          .hasMessageContaining(STATE)
          .satisfies(e -> assertThat(((WriteInProgress) e).path()).isEqualTo(STATE));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      assertThat(k.pending()).containsExactly(STATE);

      // other paths are not held up
      k.write(KernelPaths.block(34) + "/state", "online_movable");

      blocking.release();
      awaitEmpty(k);
      assertThat(sim.readTrimmed(STATE)).contains("online");
    }
  }

  @Test
  void aSecondWriteToAPathWithAPendingWriteIsNotIssued() throws Exception {
    SimulatedKernel sim = Nodes.qemu();
    sim.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), "dax0.0");
    sim.write(KernelPaths.driver(KernelPaths.KMEM, "new_id"), "dax0.0");
    BlockingKernel blocking = new BlockingKernel(sim, STATE, "online_movable");
    try (DeadlineKernel k = new DeadlineKernel(blocking, Duration.ofMillis(100))) {
      assertThatThrownBy(() -> k.write(STATE, "online_movable"))
          .isInstanceOf(WriteInProgress.class);

      long t0 = System.nanoTime();
      assertThatThrownBy(() -> k.write(STATE, "offline"))
          .isInstanceOf(WriteInProgress.class)
          .hasMessageContaining("still in the kernel")
          .hasMessageContaining("not written");
      // refused at once, without waiting for a deadline
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(100));
      assertThat(blocking.issued()).containsExactly(STATE + " <- online_movable");

      blocking.release();
      awaitEmpty(k);
      k.write(STATE, "offline"); // the path is free again once the first write returned
      assertThat(blocking.issued())
          .containsExactly(STATE + " <- online_movable", STATE + " <- offline");
    }
  }

  @Test
  void writesThatCannotBlockRunOnTheCallersThread() {
    assertThat(DeadlineKernel.mayBlock(STATE)).isTrue();
    assertThat(DeadlineKernel.mayBlock(KernelPaths.driver(KernelPaths.KMEM, "new_id"))).isTrue();
    assertThat(DeadlineKernel.mayBlock(KernelPaths.driver(KernelPaths.DEVICE_DAX, "bind")))
        .isTrue();
    assertThat(DeadlineKernel.mayBlock(KernelPaths.AUTO_ONLINE)).isFalse();
    assertThat(DeadlineKernel.mayBlock(KernelPaths.BLOCK_SIZE)).isFalse();
    assertThat(DeadlineKernel.mayBlock(KernelPaths.DEMOTION)).isFalse();
  }

  private static void awaitEmpty(DeadlineKernel k) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!k.pending().isEmpty() && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertThat(k.pending()).isEmpty();
  }
}
