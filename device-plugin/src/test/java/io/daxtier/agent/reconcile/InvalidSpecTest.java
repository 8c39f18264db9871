package io.daxtier.agent.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.Pools;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pools from the API that break a bound of PoolSpecLimits (an API server without the CRD's rules
 * let them through): Blocked InvalidSpec with the field named, and not one kernel write or ndctl
 * call for them, where before an absurd unit threw after the devices were onlined.
 */
class InvalidSpecTest {
  private final MutableClock clock = MutableClock.at("2026-11-25T04:00:00Z");

  private PassResult pass(SimulatedKernel k, SimulatedNdctl ndctl, NodePool pool) {
    return new NodeReconciler(k, ndctl, clock).reconcile(List.of(pool), 1L);
  }

  @Test
  void anAbsurdUnitIsReportedWithItsFieldAndNothingIsWritten() {
    SimulatedKernel k = Nodes.qemu();
    SimulatedNdctl ndctl = new SimulatedNdctl(k);
    NodePool pool = Pools.with(Pools.systemRam("p"), s -> s.resource.unit = "9999999Ti");

    PassResult r = pass(k, ndctl, pool);

    assertThat(r.devices()).isNotEmpty();
    assertThat(r.devices())
        .allSatisfy(
            d -> {
              assertThat(d.phase()).isEqualTo(DevicePhase.Blocked);
              assertThat(d.reason()).isEqualTo("InvalidSpec");
              assertThat(d.message()).contains("resource.unit: must be at most 1Ti, not 9999999Ti");
            });
    var status = r.status().pools.get(0);
    assertThat(status.phase).isEqualTo(PoolPhase.Blocked);
    assertThat(status.reason).isEqualTo("InvalidSpec");
    assertThat(status.message).contains("resource.unit");
    assertThat(k.writes()).isEmpty();
    assertThat(ndctl.calls()).isEmpty();
    assertThat(r.nodeState().pools()).isEmpty();
  }

  @Test
  void aTwentyDigitProvisionSizeIsReportedWithItsFieldAndNothingIsWritten() {
    SimulatedKernel k = Nodes.yaml(FREE_REGION);
    SimulatedNdctl ndctl = new SimulatedNdctl(k);
    NodePool pool =
        Pools.with(
            Pools.systemRam("p"),
            s -> {
              s.devices.provision = new ProvisionSpec();
              s.devices.provision.size = "12345678901234567890";
            });

    PassResult r = pass(k, ndctl, pool);

    var status = r.status().pools.get(0);
    assertThat(status.phase).isEqualTo(PoolPhase.Blocked);
    assertThat(status.reason).isEqualTo("InvalidSpec");
    assertThat(status.message).contains("devices.provision.size");
    assertThat(k.writes()).isEmpty();
    assertThat(ndctl.calls()).isEmpty();
  }

  @Test
  void theSameNodeProvisionsAValidSize() {
    SimulatedKernel k = Nodes.yaml(FREE_REGION);
    SimulatedNdctl ndctl = new SimulatedNdctl(k);
    NodePool pool =
        Pools.with(
            Pools.systemRam("p"),
            s -> {
              s.devices.provision = new ProvisionSpec();
              s.devices.provision.size = "512Mi";
            });

    PassResult r = pass(k, ndctl, pool);

    assertThat(ndctl.calls()).anyMatch(c -> c.startsWith("create-namespace"));
    assertThat(r.status().pools.get(0).reason).isNotEqualTo("InvalidSpec");
  }

  /** A region with all of its 1Gi free: provisioning would create a namespace. */
  static final String FREE_REGION =
      """
      numaNodes: [{id: 0, cpus: "0", memTotal: 1Gi}]
      regions: [{name: region0, start: "0x100000000", size: 1Gi, targetNode: 1}]
      daxDevices: []
      """;
}
