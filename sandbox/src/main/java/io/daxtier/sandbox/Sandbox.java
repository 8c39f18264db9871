package io.daxtier.sandbox;

import io.daxtier.agent.kernel.sim.SimNodeLoader;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.operator.DaxtierOperator;
import io.daxtier.operator.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The whole system in this JVM: an embedded API, the operator, three simulated nodes (agent, device
 * plugins, stand-in kubelet each) and the example pools.
 *
 * <ul>
 *   <li>sim-node-1: secure-server.yaml, labelled for the strict pool (goes Online);
 *   <li>sim-node-2: a 4 GiB QEMU NVDIMM guest, labelled for the basic pool;
 *   <li>sim-node-3: secure-server.yaml without DIMM security, labelled for the strict pool
 *       (Blocked: EncryptionRequired);
 *   <li>sim-node-4: a CXL memory expander (cxl-expander.yaml), labelled for the cxl-tier pool,
 *       which hands its memory out through DRA (ResourceSlices, DeviceClass) instead of the device
 *       plugin.
 * </ul>
 */
public final class Sandbox implements AutoCloseable {
  public static final String SECURE_NODE = "sim-node-1";
  public static final String BASIC_NODE = "sim-node-2";
  public static final String INSECURE_NODE = "sim-node-3";
  public static final String CXL_NODE = "sim-node-4";
  public static final String EVENT_NAMESPACE = "default";

  private final EmbeddedApiServer api;
  private final List<SimNode> nodes = new ArrayList<>();
  private DaxtierOperator.Handle operator;

  private Sandbox(EmbeddedApiServer api) {
    this.api = api;
  }

  /**
   * Starts everything and applies every {@code *-pool.yaml} in {@code examples}.
   *
   * @param examples the repository's examples directory (pools and simulated-nodes/)
   * @param agentInterval the agents' pass interval
   */
  public static Sandbox start(Path examples, Duration agentInterval) throws IOException {
    Sandbox s = new Sandbox(EmbeddedApiServer.start(0));
    try {
      s.operator = DaxtierOperator.start(s.client(), operatorConfig("sandbox-operator-1"));
      s.addNode(
          SECURE_NODE,
          Map.of("daxtier.io/pmem-secure", "present"),
          SimNodeLoader.load(examples.resolve("simulated-nodes/secure-server.yaml")),
          agentInterval);
      s.addNode(
          BASIC_NODE,
          Map.of("daxtier.io/pmem", "present"),
          resourceNode("qemu-nvdimm-4g.yaml"),
          agentInterval);
      s.addNode(
          INSECURE_NODE,
          Map.of("daxtier.io/pmem-secure", "present"),
          resourceNode("insecure-server.yaml"),
          agentInterval);
      s.addNode(
          CXL_NODE,
          Map.of("daxtier.io/cxl-dra", "present"),
          SimNodeLoader.load(examples.resolve("simulated-nodes/cxl-expander.yaml")),
          agentInterval);
      s.applyPools(examples);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** The operator's configuration here: no leader election, no HTTP, quick re-checks. */
  public static OperatorConfig operatorConfig(String identity) {
    return new OperatorConfig(
        false,
        "daxtier-operator",
        EVENT_NAMESPACE,
        identity,
        -1,
        4,
        EVENT_NAMESPACE,
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        10,
        OperatorConfig.DEFAULT_LEASE_DURATION,
        OperatorConfig.DEFAULT_AGENT_STALE_AFTER);
  }

  private static SimulatedKernel resourceNode(String name) throws IOException {
    try (InputStream in = Sandbox.class.getResourceAsStream("/sim-nodes/" + name)) {
      if (in == null) {
        throw new IllegalStateException("simulated node missing from the classpath: " + name);
      }
      return SimNodeLoader.load(in);
    }
  }

  private void addNode(
      String name, Map<String, String> labels, SimulatedKernel kernel, Duration interval)
      throws IOException {
    nodes.add(SimNode.start(client(), name, labels, kernel, interval, EVENT_NAMESPACE));
  }

  /** Creates (or replaces) every {@code *-pool.yaml} of {@code examples}; returns their names. */
  public List<String> applyPools(Path examples) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(examples)) {
      for (Path f : files.filter(p -> p.toString().endsWith("-pool.yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          PmemPool pool = client().getKubernetesSerialization().unmarshal(in, PmemPool.class);
          client().resource(pool).createOr(r -> r.update());
          names.add(pool.getMetadata().getName());
        }
      }
    }
    return names;
  }

  public KubernetesClient client() {
    return api.client();
  }

  public EmbeddedApiServer api() {
    return api;
  }

  public DaxtierOperator.Handle operator() {
    return operator;
  }

  /** Stops the running operator and starts another one (a leader change). */
  public synchronized DaxtierOperator.Handle replaceOperator(String identity) {
    if (operator != null) {
      operator.stop();
    }
    operator = DaxtierOperator.start(client(), operatorConfig(identity));
    return operator;
  }

  public List<SimNode> nodes() {
    return List.copyOf(nodes);
  }

  public SimNode node(String name) {
    return nodes.stream()
        .filter(n -> n.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + name));
  }

  public List<PmemPool> pools() {
    return client().resources(PmemPool.class).list().getItems();
  }

  public Optional<PmemPool> pool(String name) {
    return Optional.ofNullable(client().resources(PmemPool.class).withName(name).get());
  }

  public List<PmemNode> pmemNodes() {
    return client().resources(PmemNode.class).list().getItems();
  }

  public Optional<PmemNode> pmemNode(String name) {
    return Optional.ofNullable(client().resources(PmemNode.class).withName(name).get());
  }

  /** The device of pool {@code pool} on node {@code node}, as the agent last reported it. */
  public Optional<DeviceStatus> device(String node, String pool) {
    return pmemNode(node).stream()
        .filter(n -> n.getStatus() != null)
        .flatMap(n -> n.getStatus().devices.stream())
        .filter(d -> Objects.equals(d.pool, pool))
        .findFirst();
  }

  /** The status table of every pool and node now. */
  public String table() {
    return StatusTable.render(pools(), pmemNodes());
  }

  /**
   * Whether the system settled as designed: strict Online on sim-node-1 and Blocked on sim-node-3,
   * basic Online on sim-node-2, and the pools' counts agree.
   */
  public boolean convergedAsExpected() {
    return devicesIn(SECURE_NODE, "strict", DevicePhase.Online)
        && devicesIn(BASIC_NODE, "basic", DevicePhase.Online)
        && devicesIn(INSECURE_NODE, "strict", DevicePhase.Blocked)
        && counts("strict", 2, 1, 1)
        && counts("basic", 1, 1, 0);
  }

  /** Whether no device of a matched pool is still on its way (each is Online or Blocked). */
  public boolean settled() {
    List<PmemNode> all = pmemNodes();
    if (all.size() < nodes.size()) {
      return false;
    }
    for (PmemNode n : all) {
      if (n.getStatus() == null
          || n.getSpec() == null
          || !Objects.equals(n.getStatus().observedGeneration, n.getMetadata().getGeneration())) {
        return false;
      }
      for (DeviceStatus d : n.getStatus().devices) {
        if (d.pool != null && d.phase != DevicePhase.Online && d.phase != DevicePhase.Blocked) {
          return false;
        }
      }
    }
    return pools().stream()
        .allMatch(
            p ->
                p.getStatus() != null
                    && p.getStatus().matchedNodes != null
                    && p.getStatus().readyNodes != null
                    && p.getStatus().blockedNodes != null
                    && p.getStatus().readyNodes + p.getStatus().blockedNodes
                        == p.getStatus().matchedNodes);
  }

  private boolean devicesIn(String node, String pool, DevicePhase phase) {
    List<DeviceStatus> devices =
        pmemNode(node).stream()
            .filter(n -> n.getStatus() != null)
            .flatMap(n -> n.getStatus().devices.stream())
            .filter(d -> Objects.equals(d.pool, pool))
            .toList();
    return !devices.isEmpty() && devices.stream().allMatch(d -> d.phase == phase);
  }

  private boolean counts(String pool, int matched, int ready, int blocked) {
    return pool(pool)
        .map(PmemPool::getStatus)
        .filter(
            s ->
                Objects.equals(s.matchedNodes, matched)
                    && Objects.equals(s.readyNodes, ready)
                    && Objects.equals(s.blockedNodes, blocked))
        .isPresent();
  }

  /** Healthy devices per resource as each node's kubelet sees them. */
  public Map<String, Map<String, String>> advertised() {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    nodes.forEach(n -> out.put(n.name(), n.advertised()));
    return out;
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.stop();
    }
    for (SimNode n : nodes) {
      try {
        n.close();
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
    api.close();
  }
}
