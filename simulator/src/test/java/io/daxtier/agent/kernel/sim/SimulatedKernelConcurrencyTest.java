package io.daxtier.agent.kernel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.KernelPaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Several agents' worth of threads converting devices back and forth (unbind device_dax, kmem
 * new_id, offline every block, unbind kmem, bind device_dax) while others read sysfs: no write is
 * refused, no read throws, and every snapshot (reads under the kernel's monitor) is a node the
 * kernel could be in: a device bound to kmem has all its blocks, any other device none, and
 * MemTotal counts exactly the online blocks.
 */
class SimulatedKernelConcurrencyTest {
  private static final int DEVICES = 4;
  private static final int CYCLES = 80;
  private static final int READERS = 2;
  private static final long BASE_TOTAL_KB = 2L * 1024 * 1024;
  private static final long BLOCK = 128L << 20;
  private static final Pattern MEM_TOTAL = Pattern.compile("MemTotal:\\s+(\\d+) kB");

  @Test
  void concurrentConversionsAndReadsKeepTheNodeConsistent() throws Exception {
    SimulatedKernel kernel = node();
    ExecutorService pool = Executors.newFixedThreadPool(DEVICES + READERS);
    List<Future<Void>> tasks = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch writersDone = new CountDownLatch(DEVICES);
    AtomicBoolean stop = new AtomicBoolean();
    List<Integer> snapshots = new ArrayList<>();
    for (int i = 0; i < DEVICES; i++) {
      String device = "dax" + i + ".0";
      tasks.add(
          pool.submit(
              () -> {
                try {
                  start.await();
                  for (int c = 0; c < CYCLES; c++) {
                    convertAndBack(kernel, device);
                  }
                } finally {
                  writersDone.countDown();
                }
                return null;
              }));
    }
    for (int r = 0; r < READERS; r++) {
      tasks.add(
          pool.submit(
              () -> {
                int seen = 0;
                start.await();
                while (!stop.get()) {
                  readAround(kernel);
                  synchronized (kernel) {
                    checkConsistent(kernel);
                  }
                  seen++;
                }
                synchronized (snapshots) {
                  snapshots.add(seen);
                }
                return null;
              }));
    }
    start.countDown();
    boolean finished = writersDone.await(2, TimeUnit.MINUTES);
    stop.set(true);
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    for (Future<Void> t : tasks) {
      t.get(); // a refused write, a read that threw, or a snapshot that broke the invariants
    }
    assertThat(finished).isTrue();
    assertThat(snapshots).hasSize(READERS).allMatch(n -> n > 0);
    for (int i = 0; i < DEVICES; i++) {
      assertThat(kernel.driverOf("dax" + i + ".0")).isEqualTo(KernelPaths.DEVICE_DAX);
    }
    assertThat(kernel.list(KernelPaths.MEMORY)).noneMatch(n -> n.matches("memory\\d+"));
    assertThat(memTotalKb(kernel)).isEqualTo(BASE_TOTAL_KB);
    assertThat(kernel.acceptedWrites()).hasSize(DEVICES * CYCLES * 9);
  }

  /** One device to system RAM (blocks onlined by auto_online_blocks) and back to devdax. */
  private static void convertAndBack(SimulatedKernel kernel, String device) {
    kernel.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "unbind"), device);
    kernel.write(KernelPaths.driver(KernelPaths.KMEM, "new_id"), device); // probes: blocks online
    for (long b : blocks(kernel, device)) {
      kernel.write(KernelPaths.block(b) + "/state", "offline");
    }
    kernel.write(KernelPaths.driver(KernelPaths.KMEM, "remove_id"), device);
    kernel.write(KernelPaths.driver(KernelPaths.KMEM, "unbind"), device);
    kernel.write(KernelPaths.driver(KernelPaths.DEVICE_DAX, "bind"), device);
  }

  /** What an agent's inventory pass reads, without the monitor. */
  private static void readAround(SimulatedKernel kernel) {
    kernel.read(KernelPaths.MEMINFO);
    for (String name : kernel.list(KernelPaths.MEMORY)) {
      kernel.read(KernelPaths.MEMORY + "/" + name + "/state");
      kernel.read(KernelPaths.MEMORY + "/" + name + "/valid_zones");
    }
    for (String dev : kernel.list(KernelPaths.DAX_DEVICES)) {
      kernel.readlink(KernelPaths.dax(dev) + "/driver");
      kernel.read(KernelPaths.dax(dev) + "/target_node");
    }
    kernel.read(KernelPaths.node(1) + "/meminfo");
  }

  private static void checkConsistent(SimulatedKernel kernel) {
    long online = 0;
    for (int i = 0; i < DEVICES; i++) {
      String device = "dax" + i + ".0";
      String driver = kernel.readlink(KernelPaths.dax(device) + "/driver").orElse("none");
      boolean kmem = driver.endsWith("/" + KernelPaths.KMEM);
      for (long b : blocks(kernel, device)) {
        assertThat(kernel.exists(KernelPaths.block(b)))
            .as("%s bound to %s: block %d", device, driver, b)
            .isEqualTo(kmem);
        if (kmem
            && kernel.readTrimmed(KernelPaths.block(b) + "/state").orElseThrow().equals("online")) {
          online++;
        }
      }
    }
    assertThat(memTotalKb(kernel)).isEqualTo(BASE_TOTAL_KB + online * (BLOCK >> 10));
  }

  /** The memory blocks a device's range covers. */
  private static List<Long> blocks(SimulatedKernel kernel, String device) {
    long start =
        SimSizes.parseHex(kernel.readTrimmed(KernelPaths.dax(device) + "/resource").orElseThrow());
    long size = Long.parseLong(kernel.readTrimmed(KernelPaths.dax(device) + "/size").orElseThrow());
    List<Long> out = new ArrayList<>();
    for (long b = Math.floorDiv(start + BLOCK - 1, BLOCK);
        b < Math.floorDiv(start + size, BLOCK);
        b++) {
      out.add(b);
    }
    return out;
  }

  private static long memTotalKb(SimulatedKernel kernel) {
    Matcher m = MEM_TOTAL.matcher(kernel.read(KernelPaths.MEMINFO).orElseThrow());
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** Four pmem regions on node 1 with one 512 MiB device each (four blocks), all devdax. */
  private static SimulatedKernel node() throws IOException {
    StringBuilder y =
        new StringBuilder(
            """
            kernel: 6.1.0-56-amd64
            blockSize: 128Mi
            autoOnlineBlocks: online_movable
            numaNodes:
              - {id: 0, cpus: 0-1, memTotal: 2Gi, distances: [10, 20]}
              - {id: 1, cpus: "", distances: [20, 10]}
            regions:
            """);
    StringBuilder devices = new StringBuilder("daxDevices:\n");
    for (int i = 0; i < DEVICES; i++) {
      long start = (4L + i) << 30;
      y.append(
          "  - {name: region%d, type: pmem, start: \"0x%x\", size: 1Gi, targetNode: 1}\n"
              .formatted(i, start));
      devices.append(
          "  - {name: dax%d.0, region: region%d, start: \"0x%x\", size: 512Mi, mode: devdax}\n"
              .formatted(i, i, start));
    }
    y.append(devices);
    return SimNodeLoader.load(
        new ByteArrayInputStream(y.toString().getBytes(StandardCharsets.UTF_8)));
  }
}
