package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole system in this JVM (embedded API, operator, four simulated nodes with agent, device
 * plugins and stand-in kubelet), one sandbox for the class; the scenarios run in order, each
 * starting from where the previous one left the cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxSystemTest {
  private static final Path EXAMPLES = Path.of("..", "examples");
  private static final String READY_LABEL = "daxtier.io/pmem-ready";

  private static Sandbox sandbox;

  @BeforeAll
  static void start() throws Exception {
    sandbox = Sandbox.start(EXAMPLES, Duration.ofMillis(500));
    eventually().until(sandbox::settled);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  private static ConditionFactory eventually() {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100));
  }

  @Test
  @Order(1)
  void convergesAsDesigned() {
    eventually().until(sandbox::convergedAsExpected);

    PmemPool strict = sandbox.pool("strict").orElseThrow();
    assertThat(strict.getStatus().phase).isEqualTo(PoolPhase.Blocked);
    assertThat(strict.getStatus().matchedNodes).isEqualTo(2);
    assertThat(strict.getStatus().readyNodes).isEqualTo(1);
    assertThat(strict.getStatus().blockedNodes).isEqualTo(1);
    assertThat(strict.getStatus().onlineBytes).isPositive();
    PmemPool basic = sandbox.pool("basic").orElseThrow();
    assertThat(basic.getStatus().phase).isEqualTo(PoolPhase.Ready);
    assertThat(basic.getStatus().readyNodes).isEqualTo(1);
    PmemPool cxl = sandbox.pool("cxl").orElseThrow();
    assertThat(cxl.getStatus().matchedNodes).isZero();
    // no simulated node carries daxtier.io/cxl: the pool says so instead of staying Pending
    assertThat(cxl.getStatus().phase).isEqualTo(PoolPhase.NoMatchingNodes);
    assertThat(cxl.getStatus().conditions)
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getReason()).isEqualTo("NoMatchingNodes");
              assertThat(c.getMessage()).contains("\"daxtier.io/cxl\"");
            });

    eventually()
        .untilAsserted(
            () -> {
              assertThat(labels(Sandbox.SECURE_NODE)).containsKey(READY_LABEL);
              assertThat(labels(Sandbox.BASIC_NODE)).containsKey(READY_LABEL);
              assertThat(labels(Sandbox.INSECURE_NODE)).doesNotContainKey(READY_LABEL);
            });
    // The stand-in kubelets put the advertised units on the Nodes, as a kubelet does.
    eventually()
        .untilAsserted(
            () -> {
              assertThat(sandbox.node(Sandbox.BASIC_NODE).nodeCapacity())
                  .containsEntry("daxtier.io/pmem", "3");
              assertThat(sandbox.node(Sandbox.SECURE_NODE).nodeCapacity())
                  .containsEntry("daxtier.io/pmem-secure", "6");
            });
  }

  @Test
  @Order(2)
  void strictPoolBlocksOnTheNodeWithoutEncryptedDimms() {
    eventually()
        .untilAsserted(
            () -> {
              List<DeviceStatus> devices = devices(Sandbox.INSECURE_NODE, "strict");
              assertThat(devices).hasSize(2);
              assertThat(devices)
                  .allSatisfy(
                      d -> {
                        assertThat(d.phase).isEqualTo(DevicePhase.Blocked);
                        assertThat(d.reason).isEqualTo("EncryptionRequired");
                        assertThat(d.mode).isEqualTo(DeviceMode.DEVDAX);
                      });
            });
    PmemPool strict = sandbox.pool("strict").orElseThrow();
    assertThat(strict.getStatus().blockedNodeList)
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.node).isEqualTo(Sandbox.INSECURE_NODE);
              assertThat(b.reason).isEqualTo("EncryptionRequired");
            });
    assertThat(sandbox.node(Sandbox.INSECURE_NODE).advertised().values())
        .allMatch(units -> units.equals("0"));
  }

  /**
   * The cxl-tier pool hands its memory out through DRA: the operator renders its DeviceClass, the
   * CXL node's agent publishes its kmem node as a ResourceSlice device, and its device plugin does
   * not advertise the pool's extended resource (the DeviceClass's extendedResourceName serves pods
   * that ask for it).
   */
  @Test
  @Order(3)
  void theDraPoolIsPublishedAsResourceSlicesWithItsDeviceClass() {
    KubernetesClient client = sandbox.client();
    eventually()
        .untilAsserted(
            () -> {
              DeviceClass dc =
                  client
                      .dynamicResourceAllocation()
                      .v1()
                      .deviceClasses()
                      .withName("cxl-tier.memory.daxtier.io")
                      .get();
              assertThat(dc).isNotNull();
              assertThat(dc.getSpec().getExtendedResourceName()).isEqualTo("daxtier.io/cxl-tier");
              List<ResourceSlice> slices =
                  client
                      .dynamicResourceAllocation()
                      .v1()
                      .resourcesSlices()
                      .withField("spec.nodeName", Sandbox.CXL_NODE)
                      .list()
                      .getItems();
              assertThat(slices).singleElement();
              assertThat(slices.get(0).getSpec().getDriver()).isEqualTo("memory.daxtier.io");
              assertThat(slices.get(0).getSpec().getDevices())
                  .singleElement()
                  .satisfies(
                      d -> {
                        assertThat(d.getName()).isEqualTo("ram-cxl-tier-n1");
                        assertThat(d.getAttributes().get("memoryType").getString())
                            .isEqualTo("cxl");
                        assertThat(d.getCapacity().get("memory").getValue())
                            .isEqualTo(new Quantity("8Gi"));
                      });
            });
    // the other nodes have no DRA pool, so no slices
    assertThat(
            client.dynamicResourceAllocation().v1().resourcesSlices().list().getItems().stream()
                .map(s -> s.getSpec().getNodeName()))
        .containsOnly(Sandbox.CXL_NODE);
    assertThat(sandbox.node(Sandbox.CXL_NODE).advertised())
        .doesNotContainKey("daxtier.io/cxl-tier");
    assertThat(sandbox.node(Sandbox.CXL_NODE).dra().plugin().config().draSocket()).exists();
  }

  /**
   * Runs last: the simulated kernel keeps poisoned pages after their memory blocks are removed, and
   * then fails every pass once a poisoned device is released (SimulatedKernel.poisonBytes).
   */
  @Test
  @Order(8)
  void newPoisonWhileOnlineRetiresPagesAndKeepsThePool() {
    SimulatedKernel kernel = sandbox.node(Sandbox.SECURE_NODE).kernel();
    kernel.addBadBlock("region0", 1_048_576, 8);

    eventually()
        .untilAsserted(
            () -> {
              DeviceStatus d = device(Sandbox.SECURE_NODE, "strict", "dax0.0");
              assertThat(d.retiredPages).isNotNull().isPositive();
              assertThat(d.phase).isEqualTo(DevicePhase.Online);
            });
    assertThat(kernel.poisonedPages()).isNotEmpty();
    assertThat(device(Sandbox.SECURE_NODE, "strict", "dax1.0").phase).isEqualTo(DevicePhase.Online);
    assertThat(sandbox.pool("strict").orElseThrow().getStatus().readyNodes).isEqualTo(1);
  }

  @Test
  @Order(4)
  void kubeletRestartReRegistersAndCapacityComesBack() {
    SimNode node = sandbox.node(Sandbox.BASIC_NODE);
    long before = node.kubelet().registrationsOf("daxtier.io/pmem");

    node.kubelet().restart();

    eventually()
        .untilAsserted(
            () -> {
              assertThat(node.kubelet().registrationsOf("daxtier.io/pmem")).isGreaterThan(before);
              assertThat(node.advertised()).containsEntry("daxtier.io/pmem", "3");
              assertThat(node.nodeCapacity()).containsEntry("daxtier.io/pmem", "3");
            });
  }

  @Test
  @Order(5)
  void deletingTheStrictPoolOfflinesAndReturnsTheDevicesToDevDax() {
    sandbox.client().resources(PmemPool.class).withName("strict").delete();

    eventually().until(() -> sandbox.pool("strict").isEmpty());
    eventually()
        .untilAsserted(
            () -> {
              List<DeviceStatus> devices = allDevices(Sandbox.SECURE_NODE);
              assertThat(devices).isNotEmpty();
              assertThat(devices)
                  .allSatisfy(
                      d -> {
                        assertThat(d.mode).isEqualTo(DeviceMode.DEVDAX);
                        assertThat(d.pool).isNull();
                      });
              assertThat(sandbox.node(Sandbox.SECURE_NODE).advertised().values())
                  .allMatch(units -> units.equals("0"));
            });
    for (String name : List.of(Sandbox.SECURE_NODE, Sandbox.INSECURE_NODE)) {
      Node node = sandbox.client().nodes().withName(name).get();
      assertThat(node.getSpec() == null ? null : node.getSpec().getUnschedulable())
          .as("%s left cordoned", name)
          .isNotEqualTo(Boolean.TRUE);
    }
    // The other pool is untouched.
    assertThat(devices(Sandbox.BASIC_NODE, "basic")).allMatch(d -> d.phase == DevicePhase.Online);
  }

  @Test
  @Order(6)
  void agentKilledMidConversionIsCompletedByTheNextOneWithoutRedoingAnything() throws Exception {
    SimNode node = sandbox.node(Sandbox.SECURE_NODE);
    SimulatedKernel kernel = node.kernel();
    kernel.clearWrites();
    kernel.crashAfterWrites(20);

    sandbox.applyPools(EXAMPLES);
    eventually().until(() -> kernel.writes().size() >= 20);
    node.stopAgent(); // the agent died at its 21st write
    List<SimulatedKernel.Write> beforeCrash = kernel.acceptedWrites();
    assertThat(beforeCrash).hasSize(20);
    assertThat(devices(Sandbox.SECURE_NODE, "strict"))
        .noneMatch(d -> d.phase == DevicePhase.Online && Objects.equals(d.blocksOnline, 31));

    kernel.clearCrash();
    node.startAgent();

    eventually()
        .untilAsserted(
            () ->
                assertThat(devices(Sandbox.SECURE_NODE, "strict"))
                    .hasSize(2)
                    .allMatch(d -> d.phase == DevicePhase.Online && d.blocksOnline == 31));
    List<SimulatedKernel.Write> all = kernel.acceptedWrites();
    Set<String> onlined = new HashSet<>();
    for (SimulatedKernel.Write w : all) {
      if (w.path().endsWith("/state") && w.value().startsWith("online")) {
        assertThat(onlined.add(w.path())).as("onlined twice: %s", w.path()).isTrue();
      }
    }
    assertThat(onlined).hasSize(62);
    assertThat(all.subList(beforeCrash.size(), all.size()))
        .as("nothing written before the crash is written again")
        .noneMatch(
            w ->
                beforeCrash.stream()
                    .anyMatch(b -> b.path().equals(w.path()) && b.value().equals(w.value())));
    eventually().until(sandbox::convergedAsExpected);
  }

  @Test
  @Order(7)
  void aNewOperatorTakesOverAndReconciles() {
    long aggregationsBefore = sandbox.operator().poolAggregations();
    sandbox.replaceOperator("sandbox-operator-2");
    assertThat(aggregationsBefore).isPositive();

    // Take sim-node-3 out of the strict pool: only the new operator can notice.
    sandbox
        .client()
        .nodes()
        .withName(Sandbox.INSECURE_NODE)
        .edit(
            n -> {
              n.getMetadata().getLabels().remove("daxtier.io/pmem-secure");
              return n;
            });

    eventually()
        .untilAsserted(
            () -> {
              PmemPool strict = sandbox.pool("strict").orElseThrow();
              assertThat(strict.getStatus().matchedNodes).isEqualTo(1);
              assertThat(strict.getStatus().blockedNodes).isZero();
              assertThat(strict.getStatus().phase).isEqualTo(PoolPhase.Ready);
              assertThat(devices(Sandbox.INSECURE_NODE, "strict")).isEmpty();
            });
    assertThat(devices(Sandbox.SECURE_NODE, "strict")).allMatch(d -> d.phase == DevicePhase.Online);
    assertThat(sandbox.operator().poolAggregations()).isPositive();
  }

  private static Map<String, String> labels(String node) {
    return sandbox.client().nodes().withName(node).get().getMetadata().getLabels();
  }

  private static List<DeviceStatus> allDevices(String node) {
    return sandbox
        .pmemNode(node)
        .map(n -> n.getStatus() == null ? List.<DeviceStatus>of() : n.getStatus().devices)
        .orElse(List.of());
  }

  private static List<DeviceStatus> devices(String node, String pool) {
    return allDevices(node).stream().filter(d -> pool.equals(d.pool)).collect(Collectors.toList());
  }

  private static DeviceStatus device(String node, String pool, String name) {
    return devices(node, pool).stream()
        .filter(d -> d.name.equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " of " + pool + " on " + node));
  }
}
