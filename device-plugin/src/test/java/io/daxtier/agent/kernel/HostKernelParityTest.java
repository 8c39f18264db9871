package io.daxtier.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.agent.inventory.InventoryReader;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The host kernel path reads real files and symlinks: a simulated node written out as a tree must
 * read back (through HostKernel, hex formats, driver links, node/memoryN links) identically.
 */
class HostKernelParityTest {
  @TempDir Path tmp;

  static Stream<String> examples() {
    return Stream.of("qemu-nvdimm", "secure-server", "cxl-expander");
  }

  @ParameterizedTest
  @MethodSource("examples")
  void hostReadsTheSameInventoryAsTheSimulator(String example) throws Exception {
    SimulatedKernel sim = Nodes.load(Nodes.example(example));
    // converted state too: blocks, node links, kmem driver link
    new NodeReconciler(sim, new SimulatedNdctl(sim), Clock.systemUTC())
        .reconcile(List.of(Pools.systemRam("p")), 1L);
    sim.materialize(tmp);

    Inventory fromSim = new InventoryReader(sim).read();
    Inventory fromHost = new InventoryReader(new HostKernel(tmp)).read();

    assertThat(fromHost).isEqualTo(fromSim);
    assertThat(fromHost.devices()).isNotEmpty();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void hostWritesAreSingleWritesWithoutTruncationErrors(String example) throws Exception {
    SimulatedKernel sim = Nodes.load(Nodes.example(example));
    sim.materialize(tmp);
    HostKernel host = new HostKernel(tmp);
    host.write("/sys/devices/system/memory/auto_online_blocks", "online_movable");
    // no O_TRUNC (sysfs ignores it; a fixture file keeps its old tail)
    assertThat(Files.readString(tmp.resolve("sys/devices/system/memory/auto_online_blocks")))
        .startsWith("online_movable");
    assertThatThrownBy(() -> host.write("/sys/devices/system/memory/nosuch", "1"))
        .isInstanceOfSatisfying(
            KernelException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    assertThat(
            host.readlink(
                "/sys/bus/dax/devices/" + host.list("/sys/bus/dax/devices").get(0) + "/subsystem"))
        .hasValue("/sys/bus/dax");
  }
}
