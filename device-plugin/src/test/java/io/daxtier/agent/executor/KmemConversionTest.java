package io.daxtier.agent.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.Errno;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelException;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The conversion path reads everything before its first write and writes back to back; what the
 * kernel refuses (a block not there yet, a block already online) is read back, not pre-checked.
 */
class KmemConversionTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");
  private final SimulatedKernel sim = Nodes.qemu();

  private PassResult convert(Kernel k) {
    return new NodeReconciler(k, new SimulatedNdctl(sim), clock)
        .reconcile(List.of(Pools.systemRam("p")), 1L);
  }

  private List<String> accepted() {
    return sim.acceptedWrites().stream().map(w -> w.path() + " <- " + w.value()).toList();
  }

  @Test
  void blockIdsComeFromTheRangeAsKmemAlignsThem() {
    DaxDevice d =
        new io.daxtier.agent.inventory.InventoryReader(sim).read().device("dax0.0").orElseThrow();
    // 0x101200000 + 1054867456: memory32 is partial (lost), 33..39 are whole (notes (2)).
    assertThat(d.blocks(sim.blockSize())).containsExactly(33, 34, 35, 36, 37, 38, 39);
    assertThat(d.blocks(sim.blockSize())).hasSize((int) d.blockCount(sim.blockSize()));
  }

  @Test
  void nothingIsReadBetweenTheFirstAndTheLastWrite() {
    Recording k = new Recording(sim);

    PassResult r = convert(k);

    assertThat(r.converged()).isTrue();
    int first = k.ops.indexOf("write /sys/bus/dax/drivers/device_dax/unbind");
    int last = k.ops.indexOf("write /sys/devices/system/memory/memory39/state");
    assertThat(first).isNotNegative();
    assertThat(k.ops.subList(first, last + 1))
        .hasSize(9)
        .allMatch(op -> op.startsWith("write "))
        .containsSubsequence(
            "write /sys/bus/dax/drivers/device_dax/unbind",
            "write /sys/bus/dax/drivers/kmem/new_id",
            "write /sys/devices/system/memory/memory33/state");
  }

  @Test
  void aBlockNotThereYetIsListedOnceAndTheRestOnlined() {
    // A kernel whose first state write finds no memory33 yet (created late, or not at all).
    Kernel k =
        new Forwarding(sim) {
          boolean missed;

          @Override
          public void write(String path, String value) {
            if (!missed && path.endsWith("/memory33/state")) {
              missed = true;
              throw new KernelException(path, value, Errno.ENOENT, null);
            }
            super.write(path, value);
          }
        };

    PassResult r = convert(k);

    assertThat(r.converged()).isTrue();
    assertThat(accepted())
        .filteredOn(w -> w.endsWith("state <- online_movable"))
        .hasSize(7)
        .first()
        .isEqualTo("/sys/devices/system/memory/memory33/state <- online_movable");
  }

  @Test
  void newIdThatDoesNotAttachIsFollowedByBind() {
    // new_id only registers the id; the device is probed by an explicit kmem/bind.
    Kernel k =
        new Forwarding(sim) {
          boolean registered;

          @Override
          public void write(String path, String value) {
            if (path.endsWith("/kmem/new_id")) {
              registered = true;
              return;
            }
            if (path.endsWith("/kmem/bind") && registered) {
              super.write("/sys/bus/dax/drivers/kmem/new_id", value);
              return;
            }
            super.write(path, value);
          }
        };

    PassResult r = convert(k);

    assertThat(r.converged()).isTrue();
    assertThat(r.devices().get(0).phase()).isEqualTo(DevicePhase.Online);
    assertThat(accepted()).filteredOn(w -> w.endsWith("state <- online_movable")).hasSize(7);
  }

  @Test
  void aBlockOnlinedMeanwhileIsLeftAsItIs() {
    // Another tool onlines memory35 just before the agent's write: EINVAL, state online.
    Kernel k =
        new Forwarding(sim) {
          @Override
          public void write(String path, String value) {
            if (path.endsWith("/memory35/state") && value.startsWith("online")) {
              super.write(path, "online_movable");
            }
            super.write(path, value);
          }
        };

    PassResult r = convert(k);

    assertThat(r.converged()).isTrue();
    assertThat(sim.writes())
        .filteredOn(w -> w.errno() != null)
        .singleElement()
        .satisfies(w -> assertThat(w.errno()).isEqualTo(Errno.EINVAL));
    assertThat(r.status().devices.get(0).blocksOnline).isEqualTo(7);
  }

  @Test
  void aDeviceWithoutAWholeBlockIsNotUnbound() {
    SimulatedKernel small =
        Nodes.yaml(
            """
            kernel: 6.1.0-56-amd64
            blockSize: 128Mi
            autoOnlineBlocks: offline
            numaNodes:
              - id: 0
                cpus: 0-1
                memTotal: 2Gi
                memFree: 1536Mi
              - id: 1
                cpus: ""
            regions:
              - name: region0
                type: pmem
                start: "0x100000000"
                size: 1Gi
                targetNode: 1
                numaNode: 0
            daxDevices:
              - name: dax0.0
                region: region0
                start: "0x101200000"
                size: 100Mi
                mode: devdax
            """);
    PassResult r =
        new NodeReconciler(small, new SimulatedNdctl(small), clock)
            .reconcile(List.of(Pools.systemRam("p")), 1L);

    assertThat(small.writes()).isEmpty();
    assertThat(r.devices().get(0).reason()).isEqualTo("NoMemoryBlocks");
  }

  /** Forwards everything to the simulated kernel. */
  private static class Forwarding implements Kernel {
    private final Kernel k;

    Forwarding(Kernel k) {
      this.k = k;
    }

    @Override
    public Optional<String> read(String path) {
      return k.read(path);
    }

    @Override
    public void write(String path, String value) {
      k.write(path, value);
    }

    @Override
    public List<String> list(String dir) {
      return k.list(dir);
    }

    @Override
    public Optional<String> readlink(String path) {
      return k.readlink(path);
    }

    @Override
    public boolean exists(String path) {
      return k.exists(path);
    }

    @Override
    public Optional<byte[]> readAt(String path, long offset, int length) {
      return k.readAt(path, offset, length);
    }

    @Override
    public boolean loadModule(String name) {
      return k.loadModule(name);
    }
  }

  /** Records every operation, in order. */
  private static final class Recording extends Forwarding {
    final List<String> ops = new ArrayList<>();

    Recording(Kernel k) {
      super(k);
    }

    @Override
    public Optional<String> read(String path) {
      ops.add("read " + path);
      return super.read(path);
    }

    @Override
    public void write(String path, String value) {
      ops.add("write " + path);
      super.write(path, value);
    }

    @Override
    public List<String> list(String dir) {
      ops.add("list " + dir);
      return super.list(dir);
    }

    @Override
    public Optional<String> readlink(String path) {
      ops.add("readlink " + path);
      return super.readlink(path);
    }

    @Override
    public boolean exists(String path) {
      ops.add("exists " + path);
      return super.exists(path);
    }
  }
}
