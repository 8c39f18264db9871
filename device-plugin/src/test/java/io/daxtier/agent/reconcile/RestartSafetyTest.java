package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.ForwardingKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.Ndctl;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.ndctl.UnavailableNdctl;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts: a restart is a new agent (new NodeReconciler, Executor, record read from the state
 * directory) on the same simulated kernel. Every destructive step happens once across them. The
 * crash matrix over every scenario (a crash before each side effect) is {@link CrashMatrixTest}.
 */
class RestartSafetyTest {
  @TempDir Path tmp;

  private final MutableClock clock = MutableClock.at("2026-12-05T04:00:00Z");

  /** Two regions on four DIMMs, two devices on region0's DIMMs, ARS on the bus. */
  static final String NODE =
      """
      kernel: 6.1.0-28-amd64
      blockSize: 128Mi
      autoOnlineBlocks: offline
      cpu: {vendor: GenuineIntel, family: 6, model: 85, flags: [fpu, mce, erms], mcgCap: "0x1000c14", cpus: 2}
      numaNodes:
        - {id: 0, cpus: 0-1, memTotal: 8Gi, memFree: 6Gi, distances: [10, 17, 17]}
        - {id: 1, cpus: "", distances: [17, 10, 28]}
        - {id: 2, cpus: "", distances: [17, 28, 10]}
      buses: [{name: ndbus0, ars: true, scrubCount: 1}]
      dimms:
        - {name: nmem0, security: unlocked}
        - {name: nmem1, security: unlocked}
        - {name: nmem2, security: unlocked}
        - {name: nmem3, security: unlocked}
      regions:
        - {name: region0, type: pmem, start: "0x1080000000", size: 4Gi, targetNode: 1, numaNode: 0, dimms: [nmem0, nmem1]}
        - {name: region1, type: pmem, start: "0x2080000000", size: 4Gi, targetNode: 2, numaNode: 0, dimms: [nmem2, nmem3]}
      daxDevices:
        - {name: dax0.0, region: region0, start: "0x1080000000", size: 2Gi, mode: devdax}
        - {name: dax0.1, region: region0, start: "0x1100000000", size: 2Gi, mode: devdax}
        - {name: dax1.0, region: region1, mode: devdax}
      """;

  static final List<String> DIMMS = List.of("nmem0", "nmem1", "nmem2", "nmem3");

  /** The agent process died: every later call of that process fails the same way. */
  static final class Died extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Died(String what) {
      super("agent died before " + what);
    }
  }

  /** Counts one agent process's side effects (kernel writes, ndctl calls); dies before the k-th. */
  static final class Crasher {
    final int crashAt;
    int calls;
    boolean dead;
    final List<String> seen = new ArrayList<>();

    Crasher(int crashAt) {
      this.crashAt = crashAt;
    }

    void before(String what) {
      if (dead || calls == crashAt) {
        dead = true;
        throw new Died(what);
      }
      calls++;
      seen.add(what);
    }
  }

  static Kernel crashing(SimulatedKernel k, Crasher c) {
    return new ForwardingKernel(k) {
      @Override
      public void write(String path, String value) {
        c.before("write " + value + " > " + path);
        super.write(path, value);
      }
    };
  }

  static Ndctl crashing(SimulatedNdctl n, Crasher c) {
    return new Ndctl() {
      @Override
      public boolean startScrub(String bus) {
        c.before("start-scrub " + bus);
        return n.startScrub(bus);
      }

      @Override
      public boolean awaitScrub(String bus, Duration timeout) {
        return n.awaitScrub(bus, timeout);
      }

      @Override
      public boolean clearErrors(String daxDevice) {
        c.before("clear-errors " + daxDevice);
        return n.clearErrors(daxDevice);
      }

      @Override
      public Optional<String> createNamespace(String region, long size, long align) {
        c.before("create-namespace " + region);
        return n.createNamespace(region, size, align);
      }

      @Override
      public boolean overwrite(String dimm) {
        c.before("overwrite " + dimm);
        return n.overwrite(dimm);
      }

      @Override
      public boolean disableRegion(String region) {
        c.before("disable-region " + region);
        return n.disableRegion(region);
      }

      @Override
      public boolean enableRegion(String region) {
        c.before("enable-region " + region);
        return n.enableRegion(region);
      }
    };
  }

  /** One agent process on the node: a new record read from the state directory, new objects. */
  private NodeReconciler agent(SimulatedKernel k, SimulatedNdctl n, Path state, Crasher c) {
    return new NodeReconciler(crashing(k, c), crashing(n, c), clock, NodeRecord.open(state), false);
  }

  /** Runs passes until the pools converge or the process dies; the last result, or empty. */
  private Optional<PassResult> run(NodeReconciler a, List<NodePool> pools, int passes) {
    PassResult last = null;
    for (int i = 0; i < passes; i++) {
      try {
        last = a.reconcile(pools, 2L);
      } catch (Died | SimulatedKernel.SimulatedCrash e) {
        return Optional.empty();
      }
      if (settled(last)) {
        return Optional.of(last);
      }
      clock.advance(Duration.ofMinutes(5)); // past any retry back-off
    }
    return Optional.ofNullable(last);
  }

  private static boolean settled(PassResult r) {
    return r.status().pools.stream()
        .allMatch(p -> p.phase == PoolPhase.Released || p.phase == PoolPhase.Ready);
  }

  record Scenario(String name, Supplier<NodePool> active, ReleaseAction action) {
    NodePool releasing() {
      return Pools.releasing(active.get(), action);
    }
  }

  static List<Scenario> scenarios() {
    return List.of(
        new Scenario("SystemRam pool on three devices", () -> Pools.systemRam("p"), null),
        new Scenario(
            "DevDax pool on region1",
            () -> Pools.with(Pools.devDax("d"), Pools.devices("dax1.0")),
            null));
  }

  /** Converges the pool on a fresh node, with its record in {@code state}. */
  private SimulatedKernel converged(Scenario s, Path state) {
    SimulatedKernel k = Nodes.yaml(NODE);
    SimulatedNdctl n = new SimulatedNdctl(k);
    PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(s.active().get()), 10).get();
    assertThat(r.status().pools.get(0).phase).as(s.name()).isEqualTo(PoolPhase.Ready);
    return k;
  }

  private static boolean released(PassResult r) {
    NodePoolStatus p = r.status().pools.get(0);
    return p.phase == PoolPhase.Released
        && r.devices().stream()
            .filter(d -> d.pool() != null)
            .allMatch(d -> d.phase() == DevicePhase.Released);
  }

  @Test
  void anUnfinishedEraseWaitsForItsPoolThroughAnEmptyDesiredState() {
    Path state = tmp.resolve("state");
    Scenario s = new Scenario("DevDax", scenarios().get(1).active(), ReleaseAction.Erase);
    SimulatedKernel k = converged(s, state);
    SimulatedNdctl n = new SimulatedNdctl(k);
    // dies right after disable-region: the intent is recorded, dax1.0 is out of sight
    run(agent(k, n, state, new Crasher(1)), List.of(s.releasing()), 2);
    assertThat(k.regionDisabled("region1")).isTrue();
    PassResult unseen =
        new NodeReconciler(
                k,
                new UnavailableNdctl("refusing every call"),
                clock,
                NodeRecord.open(state),
                false)
            .reconcile(List.of(s.releasing()), 2L);
    assertThat(unseen.devices()).noneMatch(d -> "d".equals(d.pool()));
    // the resumed erase cannot run: the pool says why, with the erase's progress
    assertThat(unseen.status().pools.get(0).phase).isEqualTo(PoolPhase.Failed);
    assertThat(unseen.status().pools.get(0).reason).isEqualTo("EraseFailed");
    assertThat(unseen.status().pools.get(0).message)
        .contains("refusing every call", "overwritten 0/");
    assertThat(k.dimmOverwrites("nmem2")).isZero();

    PassResult empty = run(agent(k, n, state, new Crasher(-1)), List.of(), 1).orElseThrow();
    assertThat(empty.plan().isEmpty()).isTrue();
    assertThat(NodeRecord.open(state).history().orElseThrow().erases()).hasSize(1);

    PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(s.releasing()), 3).get();
    assertThat(released(r)).isTrue();
    assertThat(k.regionDisabled("region1")).isFalse();
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);

    // the operator drops the released pool: the record of the erase goes
    run(agent(k, n, state, new Crasher(-1)), List.of(), 1);
    assertThat(NodeRecord.open(state).history().orElseThrow().erases()).isEmpty();
  }

  @Test
  void anOverwriteStillRunningAfterARestartIsAwaitedNotStartedAgain() {
    Path state = tmp.resolve("state");
    Scenario s = new Scenario("DevDax", scenarios().get(1).active(), ReleaseAction.Erase);
    SimulatedKernel k = converged(s, state);
    SimulatedNdctl n = new SimulatedNdctl(k);
    String security = "/sys/bus/nd/devices/nmem2/security";
    // the agent dies while it waits for nmem2's overwrite, which keeps running in the DIMM
    boolean[] started = {false};
    Kernel dying =
        new ForwardingKernel(k) {
          @Override
          public Optional<String> read(String path) {
            if (started[0] && path.equals(security)) {
              throw new Died("the end of nmem2's overwrite");
            }
            return super.read(path);
          }
        };
    Ndctl issuing =
        new ForwardingNdctl(n) {
          @Override
          public boolean overwrite(String dimm) {
            boolean ok = super.overwrite(dimm);
            if (dimm.equals("nmem2")) {
              k.setDimmSecurity("nmem2", "overwrite", false);
              started[0] = true;
            }
            return ok;
          }
        };
    NodeReconciler a = new NodeReconciler(dying, issuing, clock, NodeRecord.open(state), false);
    assertThat(run(a, List.of(s.releasing()), 1)).isEmpty();
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);

    // the next agent finds it running: the overwrite ends when it looks whether it finished
    Kernel finishing =
        new ForwardingKernel(k) {
          @Override
          public Optional<String> read(String path) {
            boolean waiting =
                StackWalker.getInstance()
                    .walk(f -> f.anyMatch(x -> x.getMethodName().equals("overwriteFinished")));
            if (path.equals(security) && waiting) {
              k.setDimmSecurity("nmem2", "unlocked", false);
            }
            return super.read(path);
          }
        };
    PassResult r =
        run(
                new NodeReconciler(finishing, n, clock, NodeRecord.open(state), false),
                List.of(s.releasing()),
                3)
            .orElseThrow();

    assertThat(released(r)).isTrue();
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem3")).isEqualTo(1);
    assertThat(k.regionDisabled("region1")).isFalse();
  }

  @Test
  void aSecondDeviceOfThePoolOnTheSameDimmsIsNotASecondOverwrite() {
    Path state = tmp.resolve("state");
    Scenario s = scenarios().get(0);
    SimulatedKernel k = converged(s, state);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool release = Pools.releasing(Pools.systemRam("p"), ReleaseAction.Erase);

    PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(release), 10).orElseThrow();
    // a restart, and another pass of the release the operator has not dropped yet
    run(agent(k, n, state, new Crasher(-1)), List.of(release), 3);

    assertThat(released(r)).isTrue();
    assertThat(r.devices()).extracting(DeviceResult::device).contains("dax0.0", "dax0.1");
    for (String dimm : DIMMS) {
      assertThat(k.dimmOverwrites(dimm)).as(dimm).isEqualTo(1);
    }
  }

  @Test
  void anEraseThatCouldNotOverwriteIsNotReleased() {
    Path state = tmp.resolve("state");
    SimulatedKernel k = converged(scenarios().get(1), state);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool release =
        Pools.releasing(
            Pools.with(Pools.devDax("d"), Pools.devices("dax1.0")), ReleaseAction.Erase);
    Ndctl refusing =
        new ForwardingNdctl(n) {
          @Override
          public boolean overwrite(String dimm) {
            return !dimm.equals("nmem3") && super.overwrite(dimm); // the DIMM refuses
          }
        };

    PassResult r =
        new NodeReconciler(k, refusing, clock, NodeRecord.open(state), false)
            .reconcile(List.of(release), 2L);

    assertThat(r.status().pools.get(0).phase).isEqualTo(PoolPhase.Failed);
    assertThat(r.status().pools.get(0).reason).isEqualTo("EraseFailed");
    assertThat(device(r, "dax1.0").phase()).isEqualTo(DevicePhase.Failed);
    assertThat(k.regionDisabled("region1")).isFalse();

    // the next agent finishes it without overwriting nmem2 again
    PassResult after = run(agent(k, n, state, new Crasher(-1)), List.of(release), 5).orElseThrow();
    assertThat(released(after)).isTrue();
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem3")).isEqualTo(1);
  }

  @Test
  void aRestartAfterScrubAndClearOnADevDaxPoolDoesNotClearAgain() {
    Path state = tmp.resolve("state");
    SimulatedKernel k = Nodes.yaml(NODE);
    k.addBadBlock("region1", 0x80000, 8); // 256 MiB in: inside dax1.0
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool pool = Pools.with(Pools.devDax("d"), Pools.devices("dax1.0"));

    PassResult first = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 5).orElseThrow();
    assertThat(first.status().pools.get(0).phase).isEqualTo(PoolPhase.Ready);
    assertThat(n.calls()).containsOnlyOnce("clear-errors dax1.0");

    // poison appears while pods use the device; then the agent restarts, several times
    k.addBadBlock("region1", 0x90000, 8);
    for (int restart = 0; restart < 3; restart++) {
      PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 2).orElseThrow();
      assertThat(device(r, "dax1.0").phase()).isEqualTo(DevicePhase.Online);
      assertThat(r.status().pools.get(0).healthyBytes)
          .isLessThan(r.status().pools.get(0).onlineBytes);
    }
    // past maxAge: a new ARS, still no clear on the device in use
    clock.advance(Duration.ofHours(25));
    PassResult late = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 2).orElseThrow();

    assertThat(n.calls()).containsOnlyOnce("clear-errors dax1.0");
    assertThat(n.calls().stream().filter(c -> c.startsWith("start-scrub")).count()).isEqualTo(2);
    assertThat(device(late, "dax1.0").message()).contains("PoisonInUse");
    assertThat(device(late, "dax1.0").phase()).isEqualTo(DevicePhase.Online);
  }

  @Test
  void knownPoisonInADevDaxDeviceInUseMarksItsCapacityUnhealthyAndIsNeverCleared() {
    Path state = tmp.resolve("state");
    SimulatedKernel k = Nodes.yaml(NODE);
    k.addBadBlock("region1", 0x80000, 8); // listed before the agent's first start: known
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool pool =
        Pools.with(
            Pools.with(Pools.devDax("d"), Pools.devices("dax1.0")),
            s -> {
              s.policy.scrub.clearErrors = false;
              s.policy.scrub.maxBadBlocks = 1;
            });

    run(agent(k, n, state, new Crasher(-1)), List.of(pool), 2);
    PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 2).orElseThrow();

    assertThat(device(r, "dax1.0").phase()).isEqualTo(DevicePhase.Online);
    assertThat(device(r, "dax1.0").message()).contains("PoisonInUse");
    assertThat(r.poison()).isEmpty();
    assertThat(r.status().pools.get(0).healthyBytes)
        .isLessThan(r.status().pools.get(0).onlineBytes);
    assertThat(n.calls()).noneMatch(c -> c.startsWith("clear-errors"));
  }

  @Test
  void aRestartWithBadBlocksAndRetiredPagesRetiresNoPageTwice() {
    Path state = tmp.resolve("state");
    SimulatedKernel k = Nodes.yaml(NODE);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.poison(PoisonAction.RetirePages));
    run(agent(k, n, state, new Crasher(-1)), List.of(pool), 5).orElseThrow();
    k.addBadBlock("region0", 0x2000, 8); // new poison in onlined memory
    PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 1).orElseThrow();
    assertThat(r.poison()).isNotEmpty();
    int retired = hardOfflineWrites(k);
    assertThat(retired).isPositive();

    for (int restart = 0; restart < 3; restart++) {
      PassResult again = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 2).orElseThrow();
      assertThat(again.poison()).isEmpty();
    }
    assertThat(hardOfflineWrites(k)).isEqualTo(retired);
  }

  @Test
  void aFirstStartOnANodeInUseTakesTheListedBadBlocksAsKnown() {
    SimulatedKernel k = Nodes.yaml(NODE);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.poison(PoisonAction.RetirePages));
    run(agent(k, n, tmp.resolve("lost"), new Crasher(-1)), List.of(pool), 5).orElseThrow();
    k.addBadBlock("region0", 0x2000, 8); // found while no agent ran (or its record was lost)
    int clears = (int) n.calls().stream().filter(c -> c.startsWith("clear-errors")).count();

    PassResult r = run(agent(k, n, tmp.resolve("new"), new Crasher(-1)), List.of(pool), 2).get();

    assertThat(r.poison()).isEmpty();
    assertThat(hardOfflineWrites(k)).isZero();
    assertThat(n.calls().stream().filter(c -> c.startsWith("clear-errors"))).hasSize(clears);
    // poison found after the start is new: acted on once
    k.addBadBlock("region1", 0x80000, 8);
    PassResult later =
        run(agent(k, n, tmp.resolve("new"), new Crasher(-1)), List.of(pool), 1).get();
    assertThat(later.poison()).isNotEmpty();
  }

  @Test
  void aCorruptRecordIsSetAsideReportedAndTheAgentStartsCautiously() throws IOException {
    Path state = tmp.resolve("state");
    SimulatedKernel k = Nodes.yaml(NODE);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.poison(PoisonAction.RetirePages));
    run(agent(k, n, state, new Crasher(-1)), List.of(pool), 5).orElseThrow();
    k.addBadBlock("region0", 0x2000, 8);
    run(agent(k, n, state, new Crasher(-1)), List.of(pool), 1).orElseThrow();
    int retired = hardOfflineWrites(k);
    // half a history: a value that does not read back makes the whole record untrusted
    String json = Files.readString(state.resolve(NodeRecord.FILE));
    Files.writeString(
        state.resolve(NodeRecord.FILE), json.replaceFirst("\"20\\d\\d-[^\"]*\"", "\"yesterday\""));

    PassResult r = run(agent(k, n, state, new Crasher(-1)), List.of(pool), 2).orElseThrow();

    try (Stream<Path> files = Files.list(state)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(f -> f.startsWith(NodeRecord.FILE + ".corrupt-"));
    }
    assertThat(r.status().conditions)
        .filteredOn(c -> c.getType().equals("Degraded"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getMessage()).contains("set aside");
            });
    assertThat(r.status().pools.get(0).phase).isIn(PoolPhase.Ready, PoolPhase.Degraded);
    assertThat(hardOfflineWrites(k)).isEqualTo(retired); // the listed poison is taken as known
    assertThat(NodeRecord.open(state).history()).isPresent(); // a fresh record is written
  }

  private static DeviceResult device(PassResult r, String name) {
    return r.devices().stream().filter(d -> d.device().equals(name)).findFirst().orElseThrow();
  }

  private static int hardOfflineWrites(SimulatedKernel k) {
    return (int) k.writes().stream().filter(w -> w.path().endsWith("hard_offline_page")).count();
  }

  /** An ndctl that passes every call on; tests override what they break. */
  static class ForwardingNdctl implements Ndctl {
    private final Ndctl inner;

    ForwardingNdctl(Ndctl inner) {
      this.inner = inner;
    }

    @Override
    public boolean startScrub(String bus) {
      return inner.startScrub(bus);
    }

    @Override
    public boolean awaitScrub(String bus, Duration timeout) {
      return inner.awaitScrub(bus, timeout);
    }

    @Override
    public boolean clearErrors(String daxDevice) {
      return inner.clearErrors(daxDevice);
    }

    @Override
    public Optional<String> createNamespace(String region, long size, long align) {
      return inner.createNamespace(region, size, align);
    }

    @Override
    public boolean overwrite(String dimm) {
      return inner.overwrite(dimm);
    }

    @Override
    public boolean disableRegion(String region) {
      return inner.disableRegion(region);
    }

    @Override
    public boolean enableRegion(String region) {
      return inner.enableRegion(region);
    }
  }
}
