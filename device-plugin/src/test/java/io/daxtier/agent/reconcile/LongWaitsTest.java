package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long waits are steps that come back later: a pass starts an ARS or a DIMM overwrite and returns
 * the device in progress instead of waiting; a later pass (also one of a restarted agent) sees it
 * finished and goes on.
 */
class LongWaitsTest {
  @TempDir Path tmp;

  private final MutableClock clock = MutableClock.at("2026-12-05T04:00:00Z");

  private NodeReconciler agent(SimulatedKernel k, SimulatedNdctl n) throws Exception {
    return new NodeReconciler(k, n, clock, NodeRecord.open(tmp.resolve("state")), false);
  }

  private static PassResult timed(Supplier<PassResult> pass) {
    long t0 = System.nanoTime();
    PassResult r = pass.get();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    return r;
  }

  @Test
  void aRunningArsDoesNotHoldThePassAndALaterPassOfARestartedAgentClearsAndOnlines()
      throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    k.holdScrub(true);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool p = Pools.with(Pools.systemRam("p"), Pools.scrub(ScrubMode.Required));

    PassResult r = timed(() -> a.reconcile(List.of(p), 1L));
    assertThat(r.devices())
        .allSatisfy(
            d -> {
              assertThat(d.phase()).isEqualTo(DevicePhase.Scrubbing);
              assertThat(d.reason()).isEqualTo("ScrubInProgress");
            });
    assertThat(n.calls()).contains("start-scrub ndbus0").noneMatch(c -> c.startsWith("clear"));
    assertThat(r.after().region("region0").orElseThrow().badBlocks()).isNotEmpty();
    assertThat(NodeRecord.open(tmp.resolve("state")).history().orElseThrow().scrubs())
        .containsOnlyKeys("ndbus0");
    // looked at again within seconds, not after a backoff
    assertThat(a.history().retries().values())
        .allSatisfy(
            x -> assertThat(x.notBefore()).isBeforeOrEqualTo(clock.instant().plusSeconds(5)));

    // a restart while the ARS runs: the new agent neither waits nor starts a second one
    clock.advance(Duration.ofSeconds(5));
    SimulatedNdctl n2 = new SimulatedNdctl(k);
    NodeReconciler b = agent(k, n2);
    r = timed(() -> b.reconcile(List.of(p), 1L));
    assertThat(r.devices()).allSatisfy(d -> assertThat(d.phase()).isEqualTo(DevicePhase.Scrubbing));
    assertThat(n2.calls()).noneMatch(c -> c.startsWith("start-scrub") || c.startsWith("clear"));

    k.holdScrub(false);
    clock.advance(Duration.ofSeconds(5));
    r = b.reconcile(List.of(p), 1L);
    assertThat(r.converged()).isTrue();
    assertThat(n2.calls()).contains("clear-errors dax0.0").noneMatch(c -> c.startsWith("start"));
    assertThat(r.status().record.lastScrub).containsOnlyKeys("ndbus0");
    assertThat(r.status().record.scrubsInProgress).isEmpty();
    assertThat(r.status().record.owners).containsEntry("dax0.0", "p");
    assertThat(r.after().region("region0").orElseThrow().badBlocks()).isEmpty();
    assertThat(b.history().lastScrub()).containsKey("ndbus0");
    assertThat(b.history().scrubs()).isEmpty();
  }

  @Test
  void anArsPastTheScrubTimeoutFails() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    k.holdScrub(true);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool p = Pools.with(Pools.systemRam("p"), Pools.scrub(ScrubMode.Required));
    a.reconcile(List.of(p), 1L);

    clock.advance(Duration.ofMinutes(31));
    PassResult r = a.reconcile(List.of(p), 1L);
    assertThat(r.devices())
        .allSatisfy(
            d -> {
              assertThat(d.phase()).isEqualTo(DevicePhase.Failed);
              assertThat(d.reason()).isEqualTo("ScrubTimeout");
              assertThat(d.message()).contains("ndbus0", "scrub timeout (30 min)");
            });
    assertThat(n.calls()).noneMatch(c -> c.startsWith("clear"));
  }

  @Test
  void anEraseReturnsWhileTheOverwriteRunsAndALaterPassOfARestartedAgentFinishesIt()
      throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool release = convertedThenErased(a);

    k.holdOverwrite(true);
    PassResult r = timed(() -> a.reconcile(List.of(release), 2L));
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem3")).isZero();
    assertThat(k.regionDisabled("region1")).isTrue();
    assertThat(r.devices())
        .filteredOn(d -> d.pool() != null)
        .allSatisfy(
            d ->
                assertThat(d.phase())
                    .isNotIn(DevicePhase.Failed, DevicePhase.Blocked, DevicePhase.Released));
    // the status shows the record: the erase, its DIMMs, none done yet
    assertThat(r.status().record.erases)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.pool).isEqualTo("p");
              assertThat(e.dimms).contains("nmem2", "nmem3");
              assertThat(e.completed).isEmpty();
            });

    // a restart while nmem2 is overwritten: looked at, not overwritten again
    clock.advance(Duration.ofSeconds(5));
    SimulatedNdctl n2 = new SimulatedNdctl(k);
    NodeReconciler b = agent(k, n2);
    timed(() -> b.reconcile(List.of(release), 2L));
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.regionDisabled("region1")).isTrue();

    // nmem2 finishes; the next pass marks it and starts nmem3, the regions still disabled
    k.holdOverwrite(false);
    k.holdOverwrite(true);
    clock.advance(Duration.ofSeconds(5));
    timed(() -> b.reconcile(List.of(release), 2L));
    assertThat(k.dimmOverwrites("nmem3")).isEqualTo(1);
    assertThat(k.regionDisabled("region1")).isTrue();
    assertThat(NodeRecord.open(tmp.resolve("state")).history().orElseThrow().erases().values())
        .singleElement()
        .satisfies(e -> assertThat(e.completed()).containsExactly("nmem2"));

    k.holdOverwrite(false);
    PassResult before = r;
    for (int i = 0; i < 4 && !released(r); i++) {
      clock.advance(Duration.ofSeconds(5));
      before = r;
      r = b.reconcile(List.of(release), 2L);
    }
    assertThat(released(r)).isTrue();
    // the pass that finished the erase (regions enabled, devices back) asks for the next one soon
    assertThat(before.recheckAfter()).isPresent();
    assertThat(k.regionDisabled("region1")).isFalse();
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem3")).isEqualTo(1);
    assertThat(n2.calls()).endsWith("enable-region region1");
  }

  @Test
  void anOverwriteThatFinishedWhileTheAgentWasDownIsNotRepeated() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool release = convertedThenErased(a);

    k.holdOverwrite(true);
    a.reconcile(List.of(release), 2L); // nmem2's overwrite starts; the agent is killed here
    assertThat(NodeRecord.open(tmp.resolve("state")).history().orElseThrow().erases().values())
        .singleElement()
        .satisfies(e -> assertThat(e.started()).containsOnlyKeys("nmem2"));
    k.holdOverwrite(false); // ... and the overwrite ends before a new agent looks
    clock.advance(Duration.ofMinutes(2));

    SimulatedNdctl n2 = new SimulatedNdctl(k);
    NodeReconciler b = agent(k, n2);
    PassResult r = b.reconcile(List.of(release), 2L);
    for (int i = 0; i < 4 && !released(r); i++) {
      clock.advance(Duration.ofSeconds(5));
      r = b.reconcile(List.of(release), 2L);
    }
    assertThat(released(r)).isTrue();
    assertThat(k.dimmOverwrites("nmem2")).as("not overwritten again").isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem3")).isEqualTo(1);
    assertThat(n2.calls()).doesNotContain("sanitize-dimm --overwrite nmem2");
    assertThat(k.regionDisabled("region1")).isFalse();
  }

  @Test
  void theOverwriteTimeoutCountsFromTheRecordedStartAcrossRestarts() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    NodeReconciler a = agent(k, new SimulatedNdctl(k));
    NodePool release = convertedThenErased(a);
    k.holdOverwrite(true);
    a.reconcile(List.of(release), 2L);

    clock.advance(Duration.ofHours(12).plusMinutes(1));
    SimulatedNdctl n2 = new SimulatedNdctl(k);
    PassResult r = agent(k, n2).reconcile(List.of(release), 2L);
    // the regions are disabled (the devices out of sight): the pool says why
    assertThat(r.status().pools)
        .singleElement()
        .satisfies(
            ps -> {
              assertThat(ps.phase).isEqualTo(PoolPhase.Failed);
              assertThat(ps.reason).isEqualTo("EraseFailed");
              assertThat(ps.message).contains("nmem2", "overwrite not finished", "overwritten 0/");
            });
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(n2.calls()).noneMatch(c -> c.startsWith("sanitize"));
  }

  @Test
  void aRegionThatWillNotComeBackAfterTheEraseIsReportedOnThePoolUntilItDoes() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool release = convertedThenErased(a);
    k.refuseEnableRegion(true);

    PassResult r = a.reconcile(List.of(release), 2L);
    for (int i = 0; i < 4 && k.dimmOverwrites("nmem3") == 0; i++) {
      clock.advance(Duration.ofSeconds(5));
      r = a.reconcile(List.of(release), 2L);
    }
    clock.advance(Duration.ofSeconds(5));
    r = a.reconcile(List.of(release), 2L); // the erase is done; region1 stays disabled
    assertThat(k.regionDisabled("region1")).isTrue();
    assertThat(r.status().pools)
        .singleElement()
        .satisfies(
            ps -> {
              assertThat(ps.phase).isEqualTo(PoolPhase.Failed);
              assertThat(ps.reason).isEqualTo("RegionNotEnabled");
              assertThat(ps.message).contains("region1", "overwritten 2/2");
            });
    assertThat(r.devices())
        .filteredOn(d -> "p".equals(d.pool()))
        .noneMatch(d -> d.phase() == DevicePhase.Released);

    k.refuseEnableRegion(false);
    clock.advance(Duration.ofSeconds(5));
    r = a.reconcile(List.of(release), 2L);
    for (int i = 0; i < 2 && !released(r); i++) {
      r = a.reconcile(List.of(release), 2L);
    }
    assertThat(released(r)).isTrue();
    assertThat(k.regionDisabled("region1")).isFalse();
    assertThat(k.dimmOverwrites("nmem2")).isEqualTo(1);
    assertThat(k.dimmOverwrites("nmem3")).isEqualTo(1);
  }

  /** Pool p with dax1.0 (on nmem2 and nmem3) converged by {@code a}, then released with Erase. */
  private static NodePool convertedThenErased(NodeReconciler a) {
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.devices("dax1.0"));
    assertThat(a.reconcile(List.of(pool), 1L).converged()).isTrue();
    return Pools.releasing(pool, ReleaseAction.Erase);
  }

  private static boolean released(PassResult r) {
    return r.devices().stream()
        .filter(d -> d.pool() != null)
        .allMatch(d -> d.phase() == DevicePhase.Released);
  }
}
