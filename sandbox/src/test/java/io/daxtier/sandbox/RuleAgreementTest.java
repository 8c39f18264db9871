package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.inventory.InventoryReader;
import io.daxtier.agent.kernel.sim.SimNodeLoader;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.policy.Decision;
import io.daxtier.agent.policy.DeviceDecision;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.PoolPolicy;
import io.daxtier.agent.policy.Reason;
import io.daxtier.api.ownership.Ownership;
import io.daxtier.api.rules.DeviceSelection;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.operator.render.Conflict;
import io.daxtier.operator.render.ConflictFinder;
import io.daxtier.operator.render.Leaving;
import io.daxtier.operator.render.NodeRenderer;
import io.daxtier.operator.render.RenderedNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One rule set, two sides: a corpus of pool specs over one simulated node, run through the
 * operator's render and conflict report (NodeRenderer, ConflictFinder over the devices the agent
 * reports) and through the agent's decision (PoolPolicy over the simulated kernel's inventory).
 * Both must give each pool the same devices and report the same conflicts, and both must give the
 * answer the table expects.
 */
class RuleAgreementTest {
  static final Instant NOW = Instant.parse("2026-11-25T04:00:00Z");
  static final String NODE = "node-a";

  /**
   * dax0.0: pmem, region0, 4Gi less the label area; dax1.0: pmem, region1, 8Gi less the label area;
   * dax2.0: cxl, region2, 16Gi, online as System RAM with no pool known to hold it; dax9.0: hmem,
   * region9, 2Gi.
   */
  static final String MIXED_NODE =
      """
      kernel: 6.8.0-mixed
      blockSize: 128Mi
      autoOnlineBlocks: offline
      cpu: {vendor: GenuineIntel, family: 6, model: 85, flags: [fpu, mce], cpus: 2}
      numaNodes:
        - {id: 0, cpus: 0-1, memTotal: 16Gi, memFree: 12Gi, distances: [10, 20, 20, 20, 20]}
        - {id: 1, cpus: "", distances: [20, 10, 20, 20, 20]}
        - {id: 2, cpus: "", distances: [20, 20, 10, 20, 20]}
        - {id: 3, cpus: "", distances: [20, 20, 20, 10, 20]}
        - {id: 4, cpus: "", distances: [20, 20, 20, 20, 10]}
      regions:
        - {name: region0, type: pmem, start: "0x1000000000", size: 4Gi, targetNode: 1, numaNode: 0}
        - {name: region1, type: pmem, start: "0x2000000000", size: 8Gi, targetNode: 2, numaNode: 0}
        - {name: region2, type: cxl, start: "0x3000000000", size: 16Gi, targetNode: 3, numaNode: 0}
        - {name: region9, type: hmem, start: "0x4000000000", size: 2Gi, targetNode: 4, numaNode: 0}
      daxDevices:
        - {name: dax0.0, region: region0, mode: devdax}
        - {name: dax1.0, region: region1, mode: devdax}
        - {name: dax2.0, region: region2, start: "0x3000000000", size: 16Gi, mode: system-ram, online: true, zone: Movable}
        - {name: dax9.0, region: region9, start: "0x4000000000", size: 2Gi, mode: devdax}
      """;

  static final String ALL = "dax0.0,dax1.0,dax2.0,dax9.0";

  /** A device a pool holds now: the agent's node record and the status it reported agree. */
  record Held(String device, String pool, Ownership.Use use) {}

  /**
   * One row.
   *
   * @param pools the cluster's PmemPools (in no particular order: the operator sorts them)
   * @param current the node's current entries (for a pool leaving the node)
   * @param held devices held now
   * @param gets expected devices per pool, e.g. {@code "p=dax0.0,dax1.0 q="}
   * @param conflicts expected conflicts, {@code pool@device} separated by blanks
   */
  record Row(
      String name,
      List<PmemPool> pools,
      List<NodePool> current,
      List<Held> held,
      String gets,
      String conflicts) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> corpus() {
    return Stream.of(
            new Row(
                "absent selector: every device",
                List.of(pool("p", "2026-01-01", s -> s.devices = null)),
                List.of(),
                List.of(),
                "p=" + ALL,
                ""),
            new Row(
                "default selector (nothing set): every device",
                List.of(pool("p", "2026-01-01", s -> {})),
                List.of(),
                List.of(),
                "p=" + ALL,
                ""),
            new Row(
                "empty daxDevices and regions mean any",
                List.of(
                    pool(
                        "p",
                        "2026-01-01",
                        s -> {
                          s.devices.daxDevices = List.of();
                          s.devices.regions = List.of();
                        })),
                List.of(),
                List.of(),
                "p=" + ALL,
                ""),
            new Row(
                "regions only",
                List.of(pool("p", "2026-01-01", s -> s.devices.regions = List.of("region1"))),
                List.of(),
                List.of(),
                "p=dax1.0",
                ""),
            new Row(
                "daxDevices only",
                List.of(
                    pool(
                        "p",
                        "2026-01-01",
                        s -> s.devices.daxDevices = List.of("dax0.0", "dax9.0"))),
                List.of(),
                List.of(),
                "p=dax0.0,dax9.0",
                ""),
            new Row(
                "regions never select the device without a region (hmem)",
                List.of(
                    pool(
                        "p", "2026-01-01", s -> s.devices.regions = List.of("region0", "region9"))),
                List.of(),
                List.of(),
                "p=dax0.0",
                ""),
            new Row(
                "daxDevices and regions both hold",
                List.of(
                    pool(
                        "p",
                        "2026-01-01",
                        s -> {
                          s.devices.daxDevices = List.of("dax0.0", "dax1.0");
                          s.devices.regions = List.of("region1", "region9");
                        })),
                List.of(),
                List.of(),
                "p=dax1.0",
                ""),
            new Row(
                "minSize",
                List.of(pool("p", "2026-01-01", s -> s.devices.minSize = "4Gi")),
                List.of(),
                List.of(),
                "p=dax1.0,dax2.0",
                ""),
            new Row(
                "memoryType pmem",
                List.of(pool("p", "2026-01-01", s -> s.devices.memoryType = MemoryType.PMEM)),
                List.of(),
                List.of(),
                "p=dax0.0,dax1.0",
                ""),
            new Row(
                "memoryType cxl with minSize",
                List.of(
                    pool(
                        "p",
                        "2026-01-01",
                        s -> {
                          s.devices.memoryType = MemoryType.CXL;
                          s.devices.minSize = "1Gi";
                        })),
                List.of(),
                List.of(),
                "p=dax2.0",
                ""),
            new Row(
                "overlapping pools: the older owns the free devices",
                List.of(
                    pool("young", "2026-02-01", s -> {}),
                    pool(
                        "old",
                        "2026-01-01",
                        s -> s.devices.regions = List.of("region0", "region1"))),
                List.of(),
                List.of(),
                "old=dax0.0,dax1.0 young=dax2.0,dax9.0",
                "young@dax0.0 young@dax1.0"),
            new Row(
                "overlapping pools, the older with empty lists: it selects every device",
                List.of(
                    pool("young", "2026-02-01", s -> s.devices.regions = List.of("region0")),
                    pool(
                        "old",
                        "2026-01-01",
                        s -> {
                          s.devices.daxDevices = List.of();
                          s.devices.regions = List.of();
                        })),
                List.of(),
                List.of(),
                "old=" + ALL + " young=",
                "young@dax0.0"),
            new Row(
                "same age: the earlier name owns",
                List.of(pool("b", "2026-01-01", s -> {}), pool("a", "2026-01-01", s -> {})),
                List.of(),
                List.of(),
                "a=" + ALL + " b=",
                "b@dax0.0 b@dax1.0 b@dax2.0 b@dax9.0"),
            new Row(
                "a held device stays with its younger holder",
                List.of(
                    pool("old", "2026-01-01", s -> {}),
                    pool(
                        "young",
                        "2026-02-01",
                        s -> {
                          s.mode = PoolMode.DevDax;
                          s.devices.regions = List.of("region1");
                        })),
                List.of(),
                List.of(new Held("dax1.0", "young", Ownership.Use.DevDax)),
                "old=dax0.0,dax2.0,dax9.0 young=dax1.0",
                "old@dax1.0"),
            new Row(
                "DevDax vs SystemRam: memory online as System RAM is not converted",
                List.of(
                    pool("dd", "2026-01-01", s -> s.mode = PoolMode.DevDax),
                    pool("sr", "2026-02-01", s -> s.mode = PoolMode.SystemRam)),
                List.of(),
                List.of(),
                "dd=dax0.0,dax1.0,dax9.0 sr=dax2.0",
                "dd@dax2.0 sr@dax0.0 sr@dax1.0 sr@dax9.0"),
            new Row(
                "DevDax alone: the System RAM device is nobody's",
                List.of(pool("dd", "2026-01-01", s -> s.mode = PoolMode.DevDax)),
                List.of(),
                List.of(),
                "dd=dax0.0,dax1.0,dax9.0",
                "dd@dax2.0"),
            new Row(
                "one pool releasing keeps its device until released",
                List.of(
                    deleted(
                        pool(
                            "leaving",
                            "2026-02-01",
                            s -> s.devices.daxDevices = List.of("dax0.0"))),
                    pool("stays", "2026-01-01", s -> s.devices.regions = List.of())),
                List.of(
                    NodeRenderer.entryFor(
                        pool(
                            "leaving",
                            "2026-02-01",
                            s -> s.devices.daxDevices = List.of("dax0.0")))),
                List.of(new Held("dax0.0", "leaving", Ownership.Use.Releasing)),
                "leaving=dax0.0 stays=dax1.0,dax2.0,dax9.0",
                "stays@dax0.0"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void agentAndOperatorAgree(Row row) throws java.io.IOException {
    Inventory inv =
        new InventoryReader(
                SimNodeLoader.load(
                    new java.io.ByteArrayInputStream(
                        MIXED_NODE.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
            .read();
    List<NodePool> nodePools = render(row);

    // The agent: its policy over the kernel's inventory and its node record.
    History history = History.empty();
    for (Held h : row.held()) {
      history =
          history.withOwner(h.device(), new History.Owner(h.pool(), "uid-" + h.pool(), h.use()));
    }
    List<DeviceDecision> decisions = PoolPolicy.decide(inv, nodePools, history, NOW);
    Set<String> agentConflicts = new TreeSet<>();
    Map<String, Set<String>> agentGets = empty(nodePools);
    for (DeviceDecision d : decisions) {
      if (d.pool() == null) {
        continue;
      }
      if (d.decision() instanceof Decision.Block b && b.rule() == Reason.Conflict) {
        agentConflicts.add(d.pool() + "@" + d.device());
      } else {
        agentGets.get(d.pool()).add(d.device());
      }
    }

    // The operator: the devices as the agent reports them, its conflict report over them.
    List<DeviceStatus> reported = inv.devices().stream().map(d -> reported(inv, d, row)).toList();
    Set<String> operatorConflicts =
        ConflictFinder.find(NODE, nodePools, reported).stream()
            .filter(c -> c.kind() == Conflict.Kind.DeviceConflict)
            .map(c -> c.pool() + "@" + c.subject())
            .collect(Collectors.toCollection(TreeSet::new));
    Map<String, Set<String>> operatorGets = empty(nodePools);
    for (NodePool p : nodePools) {
      DeviceSelector sel = PoolDefaults.apply(p.spec).devices;
      for (DeviceStatus d : reported) {
        if (DeviceSelection.selects(sel, d) && !operatorConflicts.contains(p.name + "@" + d.name)) {
          operatorGets.get(p.name).add(d.name);
        }
      }
    }

    assertThat(operatorConflicts).as("conflicts, operator vs agent").isEqualTo(agentConflicts);
    assertThat(operatorGets).as("devices per pool, operator vs agent").isEqualTo(agentGets);
    assertThat(format(agentGets)).as("devices per pool").isEqualTo(row.gets());
    assertThat(String.join(" ", agentConflicts)).as("conflicts").isEqualTo(row.conflicts());
  }

  /** The node's pools as the operator writes them: leaving entries (in release) first. */
  private static List<NodePool> render(Row row) {
    RenderedNode r = NodeRenderer.render(Map.of(), row.pools(), row.current(), Map.of(), true);
    List<NodePool> out = new ArrayList<>();
    for (Leaving l : r.leaving()) {
      NodePool e = l.entry();
      out.add(new NodePool(e.name, e.uid, e.generation, NodePoolState.Release, e.spec));
    }
    out.addAll(r.active());
    return out;
  }

  /** A device as its agent reports it in the PmemNode status. */
  private static DeviceStatus reported(Inventory inv, DaxDevice d, Row row) {
    DeviceStatus s = new DeviceStatus();
    s.name = d.name();
    s.region = d.region();
    s.memoryType = d.memoryType();
    s.size = d.size();
    s.mode = d.mode();
    s.blocksTotal = inv.blocksOf(d).size();
    s.blocksOnline = (int) inv.blocksOf(d).stream().filter(b -> b.online()).count();
    s.phase = DevicePhase.Discovered;
    for (Held h : row.held()) {
      if (h.device().equals(d.name())) {
        s.pool = h.pool();
        s.phase = h.use() == Ownership.Use.Releasing ? DevicePhase.Releasing : DevicePhase.Online;
      }
    }
    return s;
  }

  private static Map<String, Set<String>> empty(List<NodePool> pools) {
    Map<String, Set<String>> m = new TreeMap<>();
    pools.forEach(p -> m.put(p.name, new TreeSet<>()));
    return m;
  }

  private static String format(Map<String, Set<String>> gets) {
    return gets.entrySet().stream()
        .map(e -> e.getKey() + "=" + String.join(",", e.getValue()))
        .collect(Collectors.joining(" "));
  }

  private static PmemPool pool(
      String name, String created, Consumer<io.daxtier.api.v1alpha1.PmemPoolSpec> change) {
    PmemPool p = new PmemPool();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withUid("uid-" + name)
            .withGeneration(1L)
            .withCreationTimestamp(created + "T00:00:00Z")
            .build());
    p.getSpec().resource.unit = "128Mi";
    change.accept(p.getSpec());
    return p;
  }

  private static PmemPool deleted(PmemPool p) {
    p.getMetadata().setDeletionTimestamp("2026-11-25T03:00:00Z");
    return p;
  }
}
