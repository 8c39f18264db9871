package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.ForwardingKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.ndctl.Ndctl;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.RestartSafetyTest.Crasher;
import io.daxtier.agent.reconcile.RestartSafetyTest.Died;
import io.daxtier.agent.reconcile.RestartSafetyTest.ForwardingNdctl;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import io.daxtier.api.v1alpha1.Zone;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash matrix: for every scenario the agent promises to survive, the agent is killed before
 * each of its side effects in turn (kernel writes and ndctl calls, counted over an uninterrupted
 * run), a new agent (new objects, same simulated kernel, same state directory) carries the scenario
 * on to convergence, and the node's invariants are checked after every pass of both agents.
 */
class CrashMatrixTest {
  @TempDir Path tmp;

  private final MutableClock clock = MutableClock.at("2026-12-05T04:00:00Z");

  /** {@link RestartSafetyTest#NODE} with region1 left without a namespace (free capacity). */
  static final String RAW_REGION1 = withoutDax10();

  /** The node with region1's space free (no namespace, no dax1.0 yet). */
  private static String withoutDax10() {
    String line = "  - {name: dax1.0, region: region1, mode: devdax}\n";
    if (!RestartSafetyTest.NODE.contains(line)) {
      throw new IllegalStateException("the node no longer lists dax1.0 as expected");
    }
    return RestartSafetyTest.NODE.replace(line, "");
  }

  static final List<String> REGIONS = List.of("region0", "region1");

  /**
   * One step of a scenario: an event on the node at its start (idempotent: a restarted agent starts
   * the step again), the pools the operator has then, and when the step has converged.
   */
  record Step(
      String name,
      Consumer<SimulatedKernel> event,
      Supplier<List<NodePool>> pools,
      Predicate<PassResult> converged) {
    Step(String name, Supplier<List<NodePool>> pools, Predicate<PassResult> converged) {
      this(name, k -> {}, pools, converged);
    }
  }

  /**
   * A scenario: the node, the steps run to convergence before any crash, the steps a crash may
   * interrupt, and what must hold at the end (given the node and the uninterrupted run's node).
   */
  record Scenario(
      String name,
      String node,
      Consumer<SimulatedKernel> setup,
      List<Step> prepare,
      List<Step> steps,
      Map<String, Integer> overwrites,
      EndCheck end) {}

  interface EndCheck {
    void check(String at, SimulatedKernel k, SimulatedKernel clean, PassResult last);
  }

  // ---- the scenarios ----

  static List<Scenario> scenarios() {
    List<Scenario> all = new ArrayList<>();
    Supplier<List<NodePool>> systemRam = () -> List.of(Pools.systemRam("p"));
    all.add(
        new Scenario(
            "convert: SystemRam pool, devdax to kmem, blocks online Movable",
            RestartSafetyTest.NODE,
            k -> {},
            List.of(),
            List.of(new Step("convert", systemRam, phases(Map.of("p", PoolPhase.Ready)))),
            Map.of(),
            (at, k, clean, last) -> {
              for (String d : List.of("dax0.0", "dax0.1", "dax1.0")) {
                assertThat(k.driverOf(d)).as(at + ": " + d).isEqualTo(KernelPaths.KMEM);
                List<MemoryBlock> blocks =
                    last.after().blocksOf(last.after().device(d).orElseThrow());
                assertThat(blocks).as(at + ": blocks of " + d).isNotEmpty();
                assertThat(blocks)
                    .as(at + ": blocks of " + d)
                    .allMatch(b -> b.online() && b.zone() == Zone.Movable);
              }
            }));

    // dax0.0 starts at 0x1080000000: block 528 with 128Mi blocks; its second block is busy
    Supplier<List<NodePool>> offline =
        () -> List.of(Pools.releasing(Pools.systemRam("p"), ReleaseAction.Offline));
    all.add(
        new Scenario(
            "revert with Offline, offlining refused with EBUSY first",
            RestartSafetyTest.NODE,
            k -> {},
            List.of(new Step("convert", systemRam, phases(Map.of("p", PoolPhase.Ready)))),
            List.of(
                new Step(
                    "release, memory529 busy",
                    k -> k.busyOnOffline(529),
                    offline,
                    r ->
                        pool(r, "p").phase == PoolPhase.Releasing
                            && r.devices().stream()
                                .anyMatch(d -> "OfflineBusy".equals(d.reason()))),
                new Step(
                    "release, memory529 free",
                    SimulatedKernel::clearBusy,
                    offline,
                    phases(Map.of("p", PoolPhase.Released)))),
            Map.of(),
            (at, k, clean, last) -> {
              for (String d : List.of("dax0.0", "dax0.1", "dax1.0")) {
                assertThat(k.driverOf(d)).as(at + ": " + d).isEqualTo(KernelPaths.DEVICE_DAX);
                assertThat(k.leaked(d)).as(at + ": " + d + " leaked").isFalse();
              }
            }));

    all.add(
        new Scenario(
            "namespace provisioning: a 1Gi namespace in region1, SystemRam",
            RAW_REGION1,
            k -> {},
            List.of(),
            List.of(
                new Step(
                    "provision",
                    () -> List.of(provisioning()),
                    phases(Map.of("p", PoolPhase.Ready))
                        .and(
                            r ->
                                r.after().region("region1").orElseThrow().available()
                                        < 1024 * Sizes.MIB
                                    && r.after().devices().stream()
                                        .filter(d -> d.name().startsWith("dax1."))
                                        .allMatch(
                                            d ->
                                                device(r, d.name(), "p").phase()
                                                    == DevicePhase.Online)))),
            Map.of(),
            (at, k, clean, last) -> {
              assertThat(last.after().devices())
                  .as(at + ": namespaces")
                  .extracting(d -> d.name())
                  .containsExactlyInAnyOrderElementsOf(clean(clean).stream().map(d -> d).toList());
              assertThat(clean(clean)).as("namespaces provisioned").contains("dax1.0");
              for (String d : clean(clean)) {
                if (d.startsWith("dax1.")) {
                  assertThat(k.driverOf(d)).as(at + ": " + d).isEqualTo(KernelPaths.KMEM);
                }
              }
            }));

    Supplier<List<NodePool>> scrubbed =
        () ->
            List.of(
                Pools.with(
                    Pools.with(Pools.devDax("d"), Pools.devices("dax1.0")),
                    s -> {
                      s.policy.scrub.beforeOnline = ScrubMode.Required;
                      s.policy.scrub.clearErrors = true;
                    }));
    all.add(
        new Scenario(
            "DevDax pool, scrub Required and clearErrors over known bad blocks, served",
            RestartSafetyTest.NODE,
            k -> k.addBadBlock("region1", 0x80000, 8),
            List.of(),
            List.of(
                new Step(
                    "scrub, clear, serve",
                    scrubbed,
                    phases(Map.of("d", PoolPhase.Ready))
                        .and(r -> device(r, "dax1.0", "d").phase() == DevicePhase.Online))),
            Map.of(),
            (at, k, clean, last) ->
                assertThat(k.driverOf("dax1.0"))
                    .as(at + ": dax1.0")
                    .isEqualTo(KernelPaths.DEVICE_DAX)));

    Supplier<List<NodePool>> retiring =
        () -> List.of(Pools.with(Pools.systemRam("p"), Pools.poison(PoisonAction.RetirePages)));
    all.add(
        new Scenario(
            "poison retirement: new bad blocks in online SystemRam memory",
            RestartSafetyTest.NODE,
            k -> {},
            List.of(new Step("convert", retiring, phases(Map.of("p", PoolPhase.Ready)))),
            List.of(
                new Step(
                    "retire",
                    k -> {
                      k.addBadBlock("region0", 0x2000, 64); // eight pages in dax0.0
                      k.addBadBlock("region1", 0x80000, 16); // two pages in dax1.0
                    },
                    retiring,
                    r -> settled(r))),
            Map.of(),
            (at, k, clean, last) ->
                assertThat(retired(k))
                    .as(at + ": retired pages")
                    .isEqualTo(retired(clean))
                    .isNotEmpty()));

    Supplier<NodePool> old = () -> Pools.with(Pools.systemRam("old"), Pools.devices("dax0.0"));
    Supplier<NodePool> youngPool = () -> Pools.with(Pools.devDax("young"), Pools.devices("dax0.0"));
    all.add(
        new Scenario(
            "ownership: an older SystemRam pool comes to a device a younger DevDax pool serves,"
                + " then the younger pool is released",
            RestartSafetyTest.NODE,
            k -> {},
            List.of(
                new Step(
                    "young serves dax0.0",
                    () -> List.of(youngPool.get()),
                    phases(Map.of("young", PoolPhase.Ready)))),
            List.of(
                new Step(
                    "old pool appears",
                    () -> List.of(old.get(), youngPool.get()),
                    r ->
                        pool(r, "young").phase == PoolPhase.Ready
                            && device(r, "dax0.0", "old").phase() == DevicePhase.Conflict),
                new Step(
                    "young released",
                    () -> List.of(old.get(), Pools.releasing(youngPool.get(), null)),
                    phases(Map.of("young", PoolPhase.Released, "old", PoolPhase.Ready)))),
            Map.of(),
            (at, k, clean, last) -> {
              assertThat(k.driverOf("dax0.0")).as(at + ": dax0.0").isEqualTo(KernelPaths.KMEM);
              assertThat(device(last, "dax0.0", "old").phase())
                  .as(at + ": dax0.0 in old")
                  .isEqualTo(DevicePhase.Online);
            }));

    for (RestartSafetyTest.Scenario base : RestartSafetyTest.scenarios()) {
      boolean devDax = base.name().startsWith("DevDax");
      List<String> dimms =
          devDax ? List.of("nmem2", "nmem3") : List.of("nmem0", "nmem1", "nmem2", "nmem3");
      Map<String, Integer> once = new HashMap<>();
      dimms.forEach(d -> once.put(d, 1));
      String name = base.active().get().name;
      all.add(
          new Scenario(
              "release with Erase: " + base.name(),
              RestartSafetyTest.NODE,
              k -> {},
              List.of(
                  new Step(
                      "active",
                      () -> List.of(base.active().get()),
                      phases(Map.of(name, PoolPhase.Ready)))),
              List.of(
                  new Step(
                      "erase",
                      () -> List.of(Pools.releasing(base.active().get(), ReleaseAction.Erase)),
                      phases(Map.of(name, PoolPhase.Released))
                          .and(
                              r ->
                                  r.devices().stream()
                                      .filter(d -> d.pool() != null)
                                      .allMatch(d -> d.phase() == DevicePhase.Released)))),
              once,
              (at, k, clean, last) -> {}));
    }
    return all;
  }

  static NodePool provisioning() {
    NodePool p = Pools.systemRam("p");
    p.spec.devices = new DeviceSelector();
    p.spec.devices.regions = List.of("region1");
    p.spec.devices.provision = new ProvisionSpec();
    p.spec.devices.provision.size = "1Gi";
    return p;
  }

  private static List<String> clean(SimulatedKernel clean) {
    List<String> names = new ArrayList<>();
    for (String d : List.of("dax0.0", "dax0.1", "dax1.0", "dax1.1", "dax1.2", "dax1.3", "dax1.4")) {
      if (clean.driverOf(d) != null) {
        names.add(d);
      }
    }
    return names;
  }

  // ---- the matrix ----

  @Test
  void everyScenarioSurvivesACrashBeforeEverySideEffect() throws IOException {
    int survived = 0;
    int points = 0;
    List<String> failures = new ArrayList<>();
    List<Scenario> all = scenarios();
    for (Scenario s : all) {
      // the side effects of an uninterrupted run
      Path cleanState = Files.createTempDirectory(tmp, "clean");
      SimulatedKernel clean = prepared(s, cleanState);
      Crasher counting = new Crasher(-1);
      Observer watch = new Observer(clean, s.overwrites());
      PassResult done = runSteps(s, clean, cleanState, counting, watch, 0).orElseThrow();
      assertThat(watch.violations).as(s.name() + ", uninterrupted").isEmpty();
      s.end().check(s.name() + ", uninterrupted", clean, clean, done);
      int m = counting.calls;
      assertThat(m).as(s.name() + ": side effects").isPositive();

      for (int crashAt = 0; crashAt < m; crashAt++) {
        points++;
        try {
          crashAndRestart(s, clean, crashAt);
          survived++;
        } catch (AssertionError e) {
          failures.add(e.getMessage());
        }
      }
    }
    System.out.println(
        "crash_points_survived=" + survived + "/" + points + " scenarios=" + all.size());
    assertThat(failures).isEmpty();
  }

  /**
   * An agent that dies right after {@code kmem/unbind} of a released device, before its {@code
   * remove_id}: the next agent removes kmem's id before binding device_dax, for a release with
   * Offline and for one with Erase (where disabling the region for the erase of a sibling device
   * would otherwise take the device away first).
   */
  @Test
  void aCrashBetweenKmemUnbindAndRemoveIdLeavesNoKmemIdBehind() throws IOException {
    for (ReleaseAction action : List.of(ReleaseAction.Offline, ReleaseAction.Erase)) {
      for (String device : List.of("dax0.0", "dax0.1")) {
        Path state = Files.createTempDirectory(tmp, "ids");
        SimulatedKernel k = Nodes.yaml(RestartSafetyTest.NODE);
        Observer watch = new Observer(k, Map.of("nmem0", 1, "nmem1", 1, "nmem2", 1, "nmem3", 1));
        Step convert =
            new Step(
                "convert",
                () -> List.of(Pools.systemRam("p")),
                phases(Map.of("p", PoolPhase.Ready)));
        run(agent(k, state, new Crasher(-1), watch), convert, watch).orElseThrow();
        Step release =
            new Step(
                "release",
                () -> List.of(Pools.releasing(Pools.systemRam("p"), action)),
                phases(Map.of("p", PoolPhase.Released)));
        int unbind = sideEffectsUntil(RestartSafetyTest.NODE, "kmem/unbind", device, release);

        Crasher dying = new Crasher(unbind + 1); // dies before the remove_id that follows
        assertThat(run(agent(k, state, dying, watch), release, watch)).isEmpty();
        assertThat(dying.seen.get(dying.seen.size() - 1))
            .isEqualTo("write " + device + " > /sys/bus/dax/drivers/kmem/unbind");
        assertThat(k.kmemIds()).contains(device);
        assertThat(k.driverOf(device)).isNull();

        run(agent(k, state, new Crasher(-1), watch), release, watch).orElseThrow();
        assertThat(k.kmemIds()).as(action + " " + device).doesNotContain(device);
        assertThat(k.driverOf(device)).isEqualTo(KernelPaths.DEVICE_DAX);
        assertThat(watch.violations).isEmpty();
      }
    }
  }

  /** The index of the side effect of an uninterrupted run of the step that names path and value. */
  private int sideEffectsUntil(String node, String path, String value, Step step) {
    SimulatedKernel k = Nodes.yaml(node);
    Path state = tmp.resolve("count-" + System.nanoTime());
    Observer watch = new Observer(k, Map.of("nmem0", 1, "nmem1", 1, "nmem2", 1, "nmem3", 1));
    run(
            agent(k, state, new Crasher(-1), watch),
            new Step(
                "convert",
                () -> List.of(Pools.systemRam("p")),
                phases(Map.of("p", PoolPhase.Ready))),
            watch)
        .orElseThrow();
    Crasher counting = new Crasher(-1);
    run(agent(k, state, counting, watch), step, watch).orElseThrow();
    for (int i = 0; i < counting.seen.size(); i++) {
      String c = counting.seen.get(i);
      if (c.endsWith(path) && c.startsWith("write " + value + " ")) {
        return i;
      }
    }
    throw new AssertionError("no " + path + " of " + value + " in " + counting.seen);
  }

  /** A node with the scenario's setup and its preparing steps converged, record in state. */
  private SimulatedKernel prepared(Scenario s, Path state) {
    SimulatedKernel k = Nodes.yaml(s.node());
    s.setup().accept(k);
    Observer watch = new Observer(k, Map.of());
    for (Step step : s.prepare()) {
      step.event().accept(k);
      Optional<PassResult> r = run(agent(k, state, new Crasher(-1), watch), step, watch);
      assertThat(r.filter(step.converged())).as(s.name() + ": " + step.name()).isPresent();
    }
    k.clearWrites();
    return k;
  }

  /**
   * One agent dies before its {@code crashAt}-th side effect; the next one starts the step it died
   * in again and runs the rest; every pass of both is watched, and the end checked.
   */
  private void crashAndRestart(Scenario s, SimulatedKernel clean, int crashAt) throws IOException {
    Path state = Files.createTempDirectory(tmp, "k" + crashAt);
    SimulatedKernel k = prepared(s, state);
    Observer watch = new Observer(k, s.overwrites());
    String base = s.name() + ", crash before side effect " + crashAt;
    Crasher dying = new Crasher(crashAt);
    int[] reached = {0};
    Optional<PassResult> first = runSteps(s, k, state, dying, watch, 0, reached);
    assertThat(first).as(base + ": the agent died").isEmpty();

    PassResult last =
        runSteps(s, k, state, new Crasher(-1), watch, reached[0])
            .orElseThrow(() -> new AssertionError(base + ": no convergence after the restart"));
    String at =
        base
            + " (in step "
            + s.steps().get(reached[0]).name()
            + ", after "
            + (dying.seen.isEmpty() ? "nothing" : dying.seen.get(dying.seen.size() - 1))
            + ")";
    assertThat(watch.violations).as(at).isEmpty();
    for (Map.Entry<String, Integer> e : s.overwrites().entrySet()) {
      assertThat(k.dimmOverwrites(e.getKey()))
          .as(at + ": overwrites of " + e.getKey())
          .isEqualTo(e.getValue());
    }
    for (String region : REGIONS) {
      assertThat(k.regionDisabled(region)).as(at + ": " + region + " disabled").isFalse();
    }
    assertThat(retiredTwice(k)).as(at + ": pages retired twice").isEmpty();
    s.end().check(at, k, clean, last);
  }

  private Optional<PassResult> runSteps(
      Scenario s, SimulatedKernel k, Path state, Crasher c, Observer watch, int from) {
    return runSteps(s, k, state, c, watch, from, new int[1]);
  }

  /** Runs the steps from {@code from} on one agent; empty if it died (the step in reached). */
  private Optional<PassResult> runSteps(
      Scenario s,
      SimulatedKernel k,
      Path state,
      Crasher c,
      Observer watch,
      int from,
      int[] reached) {
    NodeReconciler a = agent(k, state, c, watch);
    PassResult last = null;
    for (int i = from; i < s.steps().size(); i++) {
      reached[0] = i;
      Step step = s.steps().get(i);
      step.event().accept(k);
      Optional<PassResult> r = run(a, step, watch);
      if (r.isEmpty() || c.dead) {
        return Optional.empty();
      }
      if (!step.converged().test(r.get())) {
        throw new AssertionError(
            s.name() + ": step " + step.name() + " did not converge: " + describe(r.get()));
      }
      watch.converged(step.name());
      last = r.get();
    }
    return Optional.ofNullable(last);
  }

  /** Passes until the step converges or the process dies; the last result, or empty if it died. */
  private Optional<PassResult> run(NodeReconciler a, Step step, Observer watch) {
    PassResult last = null;
    for (int i = 0; i < 12; i++) {
      List<NodePool> pools = step.pools().get();
      watch.beforePass(pools);
      try {
        last = a.reconcile(pools, 2L);
      } catch (Died | SimulatedKernel.SimulatedCrash e) {
        return Optional.empty();
      }
      watch.afterPass(pools, last);
      if (step.converged().test(last)) {
        return Optional.of(last);
      }
      clock.advance(Duration.ofMinutes(5)); // past any retry back-off
    }
    return Optional.ofNullable(last);
  }

  private NodeReconciler agent(SimulatedKernel k, Path state, Crasher c, Observer watch) {
    Kernel kernel = watch.kernel(RestartSafetyTest.crashing(k, c));
    Ndctl ndctl = watch.ndctl(RestartSafetyTest.crashing(new SimulatedNdctl(k), c));
    return new NodeReconciler(kernel, ndctl, clock, NodeRecord.open(state), false);
  }

  // ---- the invariants ----

  /**
   * Watches one node across every agent on it: side effects on a device another pool holds, a
   * clear-errors on a device served as DevDax, a page retired twice, kmem ids left behind.
   */
  static final class Observer {
    final SimulatedKernel k;
    final List<String> violations = new ArrayList<>();

    /** Devices an Active pool had online (or served) after the last complete pass. */
    final Map<String, String> held = new HashMap<>();

    /** DevDax devices an Active pool served after the last complete pass. */
    final Set<String> served = new HashSet<>();

    private PassResult lastResult;

    /** Overwrites per DIMM the scenario makes in all (none for a DIMM not named). */
    final Map<String, Integer> overwrites;

    Observer(SimulatedKernel k, Map<String, Integer> overwrites) {
      this.k = k;
      this.overwrites = overwrites;
    }

    Kernel kernel(Kernel inner) {
      return new ForwardingKernel(inner) {
        @Override
        public void write(String path, String value) {
          // a write the process died before is not made; a write the kernel refuses is
          try {
            super.write(path, value);
          } catch (Died | SimulatedKernel.SimulatedCrash e) {
            throw e;
          } catch (RuntimeException e) {
            check(path, value);
            throw e;
          }
          check(path, value);
        }

        private void check(String path, String value) {
          for (Map.Entry<String, String> e : held.entrySet()) {
            String d = e.getKey();
            if (value.equals(d) || path.contains("/" + d + "/")) {
              violations.add(
                  "write " + value + " > " + path + " while " + d + " is held by " + e.getValue());
            }
          }
        }
      };
    }

    Ndctl ndctl(Ndctl inner) {
      return new ForwardingNdctl(inner) {
        @Override
        public boolean clearErrors(String device) {
          boolean ok = super.clearErrors(device); // not made if the process died before it
          if (served.contains(device)) {
            violations.add("clear-errors " + device + " while it is served as DevDax");
          }
          return ok;
        }
      };
    }

    /** The holders as of the last pass, for the pools of this pass (a released pool holds none). */
    void beforePass(List<NodePool> pools) {
      held.clear();
      served.clear();
      if (lastResult == null) {
        return;
      }
      for (DeviceResult d : lastResult.devices()) {
        NodePool p = pools.stream().filter(x -> x.name.equals(d.pool())).findFirst().orElse(null);
        if (p == null || p.state != NodePoolState.Active || d.phase() != DevicePhase.Online) {
          continue;
        }
        held.put(d.device(), p.name);
        if (p.spec.mode == PoolMode.DevDax) {
          served.add(d.device());
        }
      }
    }

    void afterPass(List<NodePool> pools, PassResult r) {
      lastResult = r;
      for (String addr : retiredTwice(k)) {
        violations.add("page " + addr + " retired twice");
      }
      for (String dimm : RestartSafetyTest.DIMMS) {
        if (k.dimmOverwrites(dimm) > overwrites.getOrDefault(dimm, 0)) {
          violations.add(dimm + " overwritten " + k.dimmOverwrites(dimm) + " times");
        }
      }
    }

    /** At a step's convergence: no region disabled, no kmem id without kmem bound. */
    void converged(String step) {
      for (String region : REGIONS) {
        if (k.regionDisabled(region)) {
          violations.add(step + ": " + region + " left disabled");
        }
      }
      for (String id : k.kmemIds()) {
        if (!KernelPaths.KMEM.equals(k.driverOf(id))) {
          violations.add(step + ": kmem's id " + id + " left behind (" + k.driverOf(id) + ")");
        }
      }
    }
  }

  // ---- helpers ----

  static String describe(PassResult r) {
    StringBuilder b = new StringBuilder();
    for (NodePoolStatus p : r.status().pools) {
      b.append(p.name).append('=').append(p.phase).append('/').append(p.reason).append(' ');
    }
    for (DeviceResult d : r.devices()) {
      b.append(d.device()).append('@').append(d.pool()).append('=').append(d.phase());
      b.append('/').append(d.reason()).append(' ');
    }
    return b + "namespaces " + r.after().devices().stream().map(d -> d.name()).toList();
  }

  static Predicate<PassResult> phases(Map<String, PoolPhase> want) {
    return r ->
        want.entrySet().stream()
            .allMatch(
                e ->
                    r.status().pools.stream()
                        .anyMatch(p -> p.name.equals(e.getKey()) && p.phase == e.getValue()));
  }

  static boolean settled(PassResult r) {
    return r.status().pools.stream()
        .allMatch(p -> p.phase == PoolPhase.Released || p.phase == PoolPhase.Ready);
  }

  static NodePoolStatus pool(PassResult r, String name) {
    return r.status().pools.stream().filter(p -> p.name.equals(name)).findFirst().orElseThrow();
  }

  static DeviceResult device(PassResult r, String name, String pool) {
    return r.devices().stream()
        .filter(d -> d.device().equals(name) && pool.equals(d.pool()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in pool " + pool));
  }

  /** hard_offline_page writes (accepted or not), by address. */
  static Map<String, Integer> retired(SimulatedKernel k) {
    Map<String, Integer> n = new HashMap<>();
    for (SimulatedKernel.Write w : k.writes()) {
      if (w.path().endsWith("hard_offline_page")) {
        n.merge(w.value(), 1, Integer::sum);
      }
    }
    return n;
  }

  static List<String> retiredTwice(SimulatedKernel k) {
    return retired(k).entrySet().stream()
        .filter(e -> e.getValue() > 1)
        .map(e -> e.getKey())
        .toList();
  }
}
