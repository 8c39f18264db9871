package io.daxtier.e2e.kernel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeSpec;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One agent scenario on the real kernel: the agent jar required (skipped, naming it, while it is
 * missing), the pools written as PmemPool YAML into the guest's share, one boot per scenario.
 */
final class AgentScenario {

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private static final ObjectMapper JSON = new ObjectMapper();

  private AgentScenario() {}

  /**
   * Boots the pmem-server guest and runs {@code script}; each manifest (PmemPool or PmemNode) lands
   * in $OUT/NAME.yaml.
   */
  static GuestRun boot(KernelImage kernel, String name, String script, Map<String, ?> manifests)
      throws IOException, InterruptedException {
    return boot(kernel, name, GuestTopology.pmemServer(), script, manifests);
  }

  /** As {@link #boot(String, String, Map)} on another topology. */
  static GuestRun boot(
      KernelImage kernel,
      String name,
      GuestTopology topology,
      String script,
      Map<String, ?> manifests)
      throws IOException, InterruptedException {
    RealKernel.requireAgentJar();
    return run(
        RealKernel.guest(kernel, topology, Duration.ofSeconds(420)), name, script, manifests);
  }

  /**
   * Boots the pmem-server guest with nfit_test loadable ({@code load_nfit_test} in the script) and
   * runs {@code script}; the manifests land in $OUT as for {@link #boot(String, String, Map)}.
   */
  static GuestRun bootNfitTest(
      KernelImage kernel, String name, String script, Map<String, ?> manifests)
      throws IOException, InterruptedException {
    RealKernel.requireAgentJar();
    QemuGuest guest =
        RealKernel.nfitTestGuest(kernel, GuestTopology.pmemServer(), Duration.ofSeconds(900));
    return run(guest, name, script, manifests);
  }

  /** Writes each manifest to $OUT/NAME.yaml, runs the script; a failed script fails the test. */
  static GuestRun run(QemuGuest guest, String name, String script, Map<String, ?> manifests)
      throws IOException, InterruptedException {
    Map<String, String> files = new LinkedHashMap<>();
    for (Map.Entry<String, ?> m : manifests.entrySet()) {
      files.put(m.getKey() + ".yaml", YAML.writeValueAsString(m.getValue()));
    }
    GuestRun run = guest.run(name, script, files);
    if (run.exitCode() != 0) {
      throw new AssertionError("scenario script failed: " + run.describe());
    }
    return run;
  }

  /** The agent's pool-file form of several pools on one node (a PmemNode spec). */
  static PmemNode node(NodePool... pools) {
    PmemNode node = new PmemNode();
    node.setMetadata(new ObjectMetaBuilder().withName("guest").build());
    PmemNodeSpec spec = new PmemNodeSpec();
    spec.pools.addAll(List.of(pools));
    node.setSpec(spec);
    return node;
  }

  /** A pool on the node in {@code state}, with the API defaults changed by {@code spec}. */
  static NodePool nodePool(String name, NodePoolState state, Consumer<PmemPoolSpec> spec) {
    return new NodePool(name, null, null, state, pool(name, spec).getSpec());
  }

  /** A pool with the API defaults, changed by {@code spec}. */
  static PmemPool pool(String name, Consumer<PmemPoolSpec> spec) {
    PmemPool pool = new PmemPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
    PmemPoolSpec s = new PmemPoolSpec();
    spec.accept(s);
    pool.setSpec(s);
    return pool;
  }

  /**
   * The agent's pool-file form of releasing {@code pool}: a PmemNode whose spec lists the pool in
   * state {@code Release}, as the operator renders it when the pool is deleted.
   */
  static PmemNode releasing(PmemPool pool) {
    PmemNode node = new PmemNode();
    node.setMetadata(new ObjectMetaBuilder().withName("guest").build());
    PmemNodeSpec spec = new PmemNodeSpec();
    spec.pools.add(
        new NodePool(
            pool.getMetadata().getName(), null, null, NodePoolState.Release, pool.getSpec()));
    node.setSpec(spec);
    return node;
  }

  /** A step's exit code. */
  static int rc(GuestRun run, String step) {
    return Integer.parseInt(run.file(step + ".rc").trim());
  }

  /** A step's stdout and stderr together, for messages and reason checks. */
  static String output(GuestRun run, String step) {
    return run.file(step + ".out") + run.file(step + ".err");
  }

  /** A step's stdout parsed as JSON. */
  static JsonNode json(GuestRun run, String file) {
    try {
      return JSON.readTree(run.file(file));
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + file + "\n" + run.file(file), e);
    }
  }

  /** The sysfs writes (comm, parent/name) traced between writes_begin and writes_end. */
  static List<Write> writes(GuestRun run, String file) {
    List<Write> writes = new ArrayList<>();
    for (String line : run.file(file).split("\n")) {
      String[] w = line.split("\t");
      if (w.length >= 2) {
        writes.add(new Write(w[0], w[1]));
      }
    }
    return writes;
  }

  /** One traced sysfs write: which process, which attribute ({@code parent/name}). */
  record Write(String comm, String attribute) {}

  /** Every object in {@code root} (depth first) that has a field whose text is {@code value}. */
  static List<JsonNode> objectsNaming(JsonNode root, String value) {
    List<JsonNode> found = new ArrayList<>();
    visit(
        root,
        node -> {
          if (node.isObject()) {
            node.fields()
                .forEachRemaining(
                    f -> {
                      if (f.getValue().isTextual() && f.getValue().asText().equals(value)) {
                        found.add(node);
                      }
                    });
          }
        });
    return found;
  }

  /** The first field anywhere in {@code root} whose name matches and whose value qualifies. */
  static Optional<JsonNode> field(
      JsonNode root, Predicate<String> name, Predicate<JsonNode> value) {
    List<JsonNode> found = new ArrayList<>();
    visit(
        root,
        node -> {
          if (node.isObject()) {
            node.fields()
                .forEachRemaining(
                    f -> {
                      if (name.test(f.getKey()) && value.test(f.getValue())) {
                        found.add(f.getValue());
                      }
                    });
          }
        });
    return found.stream().findFirst();
  }

  /** Whether {@code node} or any value inside it (one level) is the number {@code n}. */
  static boolean holdsNumber(JsonNode node, long n) {
    List<JsonNode> values = new ArrayList<>();
    node.elements().forEachRemaining(values::add);
    return values.stream()
        .anyMatch(v -> (v.isNumber() && v.asLong() == n) || v.asText().equals(Long.toString(n)));
  }

  private static void visit(JsonNode node, Consumer<JsonNode> visitor) {
    visitor.accept(node);
    node.elements().forEachRemaining(child -> visit(child, visitor));
  }
}
