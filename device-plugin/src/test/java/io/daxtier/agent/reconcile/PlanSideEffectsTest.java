package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.plan.Step;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every side effect is a plan step: {@code apply --dry-run} (the reconciler's dry run) shows the
 * namespaces it would provision, the scrub, clear-errors, erase and poison actions, and writes
 * nothing; the pass that runs reports the same steps in its plan.
 */
class PlanSideEffectsTest {
  @TempDir Path tmp;

  private final MutableClock clock = MutableClock.at("2026-12-05T04:00:00Z");

  private NodeReconciler agent(SimulatedKernel k, SimulatedNdctl n) throws Exception {
    return new NodeReconciler(k, n, clock, NodeRecord.open(tmp.resolve("state")), false);
  }

  @Test
  void provisioningIsAPlanStepTheDryRunShowsAndThePassRuns() throws Exception {
    SimulatedKernel k = Nodes.yaml(CrashMatrixTest.RAW_REGION1);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    List<NodePool> pools = List.of(CrashMatrixTest.provisioning());

    PassResult dry = a.dryRun(pools, 1L);
    // 4Gi free in region1, 1Gi each: four namespaces
    assertThat(dry.plan().provision())
        .hasSize(4)
        .allSatisfy(
            s ->
                assertThat(s)
                    .isEqualTo(new Step.CreateNamespace("p", "region1", 1L << 30, 2L << 20)));
    assertThat(dry.plan().describe())
        .anyMatch(l -> l.startsWith("provision: ndctl create-namespace -r region1 -m devdax"));
    assertThat(n.calls()).isEmpty();
    assertThat(k.writes()).isEmpty();

    PassResult r = a.reconcile(pools, 1L);
    assertThat(r.plan().provision()).isEqualTo(dry.plan().provision());
    assertThat(n.calls()).filteredOn(c -> c.startsWith("create-namespace")).hasSize(4);
    assertThat(r.report().node()).anyMatch(o -> o.step() instanceof Step.CreateNamespace);
    // the new namespace's device is converted in the same pass
    assertThat(r.converged()).isTrue();
    assertThat(r.after().devices()).filteredOn(d -> d.region().equals("region1")).hasSize(4);
    // nothing more to provision: the region is full
    assertThat(a.dryRun(pools, 1L).plan().provision()).isEmpty();
  }

  @Test
  void scrubClearErrorsAndTheEraseAreShownByTheDryRun() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    k.addBadBlock("region1", 0x80000, 8);
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool pool =
        Pools.with(
            Pools.with(Pools.systemRam("p"), Pools.devices("dax1.0")),
            s -> {
              s.policy.scrub.beforeOnline = ScrubMode.Required;
              s.policy.scrub.clearErrors = true;
            });
    List<String> plan = a.dryRun(List.of(pool), 1L).plan().describe();
    assertThat(plan)
        .anyMatch(l -> l.contains("ndctl start-scrub"))
        .anyMatch(l -> l.contains("ndctl clear-errors"))
        .anyMatch(l -> l.contains("kmem/new_id"));
    assertThat(n.calls()).isEmpty();
    assertThat(k.writes()).isEmpty();

    assertThat(a.reconcile(List.of(pool), 1L).converged()).isTrue();
    NodePool release = Pools.releasing(pool, ReleaseAction.Erase);
    assertThat(a.dryRun(List.of(release), 2L).plan().describe())
        .anyMatch(l -> l.contains("echo offline > memoryN/state"))
        .anyMatch(l -> l.contains("ndctl sanitize-dimm --overwrite nmem2 nmem3"));
    assertThat(n.calls()).noneMatch(c -> c.startsWith("sanitize") || c.startsWith("disable"));
  }

  @Test
  void newPoisonInOnlineMemoryIsPlannedRetiredOnceAndShownBeforeItIsActedOn() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    SimulatedNdctl n = new SimulatedNdctl(k);
    NodeReconciler a = agent(k, n);
    NodePool pool = Pools.with(Pools.systemRam("p"), Pools.devices("dax1.0"));
    assertThat(a.reconcile(List.of(pool), 1L).converged()).isTrue();
    assertThat(a.dryRun(List.of(pool), 1L).plan().isEmpty()).isTrue();

    k.addBadBlock("region1", 0x80000, 8); // new poison inside an onlined block of dax1.0
    int writes = k.writes().size();
    PassResult dry = a.dryRun(List.of(pool), 1L);
    assertThat(dry.plan().poison())
        .singleElement()
        .isInstanceOfSatisfying(
            Step.RetirePages.class,
            s -> {
              assertThat(s.device()).isEqualTo("dax1.0");
              assertThat(s.pages().size()).isEqualTo(4096);
            });
    assertThat(dry.plan().describe()).anyMatch(l -> l.startsWith("poison: echo <address>"));
    assertThat(k.writes()).hasSize(writes);

    PassResult r = a.reconcile(List.of(pool), 1L);
    assertThat(r.plan().poison()).isEqualTo(dry.plan().poison());
    assertThat(r.poison()).singleElement().satisfies(e -> assertThat(e.pages()).isEqualTo(1));
    long retired = retiredWrites(k);
    assertThat(retired).isEqualTo(1);
    // known now: the next pass plans nothing for it and retires nothing again
    PassResult again = a.reconcile(List.of(pool), 1L);
    assertThat(again.plan().poison()).isEmpty();
    assertThat(retiredWrites(k)).isEqualTo(retired);
  }

  @Test
  void markUnhealthyAndIgnoreArePlanStepsToo() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    NodeReconciler a = agent(k, new SimulatedNdctl(k));
    NodePool pool =
        Pools.with(
            Pools.with(Pools.systemRam("p"), Pools.devices("dax1.0")),
            Pools.poison(PoisonAction.MarkUnhealthy));
    assertThat(a.reconcile(List.of(pool), 1L).converged()).isTrue();
    k.addBadBlock("region1", 0x80000, 8);
    assertThat(a.dryRun(List.of(pool), 1L).plan().poison())
        .singleElement()
        .isInstanceOf(Step.MarkUnhealthy.class);
    PassResult r = a.reconcile(List.of(pool), 1L);
    assertThat(r.status().devices)
        .filteredOn(d -> d.name.equals("dax1.0"))
        .singleElement()
        .satisfies(d -> assertThat(d.unhealthyBytes).isEqualTo(4096L));
    assertThat(retiredWrites(k)).isZero();

    NodePool ignoring = Pools.with(pool, Pools.poison(PoisonAction.Ignore));
    k.addBadBlock("region1", 0x90000, 8);
    assertThat(a.dryRun(List.of(ignoring), 1L).plan().poison())
        .singleElement()
        .isInstanceOf(Step.IgnorePoison.class);
  }

  private static long retiredWrites(SimulatedKernel k) {
    return k.writes().stream().filter(w -> w.path().equals(KernelPaths.HARD_OFFLINE_PAGE)).count();
  }
}
