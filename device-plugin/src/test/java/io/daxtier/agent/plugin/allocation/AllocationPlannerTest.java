package io.daxtier.agent.plugin.allocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.plugin.allocation.AllocationDecision.ContainerGrant;
import io.daxtier.agent.plugin.allocation.AllocationDecision.DeviceNode;
import io.daxtier.agent.plugin.allocation.AllocationDecision.Granted;
import io.daxtier.agent.plugin.allocation.AllocationDecision.Reason;
import io.daxtier.agent.plugin.allocation.AllocationDecision.Rejected;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocationPlannerTest {
  private static final long GI = Fixtures.GI;

  private final DeviceList ram =
      DeviceListBuilder.build(
          AdvertisedResource.systemRam(
              "daxtier.io/pmem",
              "p",
              GI,
              TopologyMode.NearestCpuNode,
              List.of(
                  NumaCapacity.healthy(3, 2 * GI, 1),
                  new NumaCapacity(2, 2 * GI, GI, List.of(new ByteRange(GI, 1)), 0))));

  @Test
  void systemRamGrantsNodesAndBytesAsEnvironment() {
    AllocationDecision d =
        AllocationPlanner.plan(
            ram, List.of(List.of("node3-0001", "node2-0000", "node3-0000"), List.of("node3-0001")));

    assertThat(d)
        .isEqualTo(
            new Granted(
                List.of(
                    new ContainerGrant(
                        Map.of(
                            "DAXTIER_NUMA_NODES", "2,3",
                            "MEMKIND_DAX_KMEM_NODES", "2,3",
                            "DAXTIER_BYTES", Long.toString(3 * GI)),
                        List.of()),
                    new ContainerGrant(
                        Map.of(
                            "DAXTIER_NUMA_NODES", "3",
                            "MEMKIND_DAX_KMEM_NODES", "3",
                            "DAXTIER_BYTES", Long.toString(GI)),
                        List.of()))));
  }

  @Test
  void unknownIdRejectsTheWholeCall() {
    AllocationDecision d =
        AllocationPlanner.plan(ram, List.of(List.of("node3-0000"), List.of("node7-0000")));

    assertThat(d).isInstanceOf(Rejected.class);
    assertThat(((Rejected) d).reason()).isEqualTo(Reason.UnknownDevice);
    assertThat(((Rejected) d).message()).contains("node7-0000", "daxtier.io/pmem");
  }

  @Test
  void unhealthyIdIsRejected() {
    AllocationDecision d = AllocationPlanner.plan(ram, List.of(List.of("node2-0001")));

    assertThat(d)
        .isEqualTo(
            new Rejected(
                Reason.UnhealthyDevice,
                "device node2-0001 of resource daxtier.io/pmem is unhealthy"));
  }

  @Test
  void emptyContainerRequestIsRejected() {
    assertThat(AllocationPlanner.plan(ram, List.of(List.of())))
        .extracting(r -> ((Rejected) r).reason())
        .isEqualTo(Reason.NoDevices);
  }

  @Test
  void devDaxGrantsTheCharDevicesReadWrite() {
    DeviceList dax =
        DeviceListBuilder.build(
            AdvertisedResource.devDax(
                "daxtier.io/devdax",
                "d",
                TopologyMode.NumaNode,
                List.of(
                    new DaxCharDevice("/dev/dax0.0", 0, true),
                    new DaxCharDevice("/dev/dax1.0", 1, true))));

    assertThat(AllocationPlanner.plan(dax, List.of(List.of("dax1.0", "dax0.0"))))
        .isEqualTo(
            new Granted(
                List.of(
                    new ContainerGrant(
                        Map.of("DAXTIER_DAX_DEVICES", "/dev/dax1.0,/dev/dax0.0"),
                        List.of(
                            new DeviceNode("/dev/dax1.0", "/dev/dax1.0", "rw"),
                            new DeviceNode("/dev/dax0.0", "/dev/dax0.0", "rw"))))));
  }
}
