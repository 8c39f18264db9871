package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded API answers kubectl's own requests as a real API server would (issue 15): explain
 * from the served OpenAPI, apply with validation, invalid pools refused with the field named,
 * describe with Events, delete that waits with a watch, and Node/Event tables. Runs the real
 * kubectl where installed ({@code /usr/bin/kubectl} or {@code $KUBECTL}); skipped otherwise.
 */
class KubectlConformanceTest {
  static EmbeddedApiServer api;
  static Path kubectl;
  @TempDir static Path tmp;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws IOException {
    String configured = System.getenv("KUBECTL");
    kubectl = Path.of(configured != null ? configured : "/usr/bin/kubectl");
    assumeTrue(
        Files.isExecutable(kubectl),
        "kubectl not installed (" + kubectl + "): the kubectl conformance tests are skipped");
    api = EmbeddedApiServer.start(0);
    kubeconfig = api.writeKubeconfig(tmp.resolve("sandbox.kubeconfig"));
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void explainReadsTheServedOpenApi() throws Exception {
    Result r = run("explain", "pmempool.spec.policy");
    assertThat(r.exit).as(r.stderr).isZero();
    assertThat(r.stdout)
        .contains("KIND:       PmemPool")
        .contains("FIELD: policy")
        .contains("scrub");
  }

  @Test
  void explainReadsTheServedOpenApiV2() throws Exception {
    Result pool = run("explain", "pmempool.spec.policy", "--output=plaintext-openapiv2");
    assertThat(pool.exit).as(pool.stderr).isZero();
    assertThat(pool.stdout)
        .contains("KIND:     PmemPool")
        .contains("RESOURCE: policy")
        .contains("scrub");

    Result node = run("explain", "node.spec", "--output=plaintext-openapiv2");
    assertThat(node.exit).as(node.stderr).isZero();
    assertThat(node.stdout)
        .contains("KIND:     Node")
        .contains("podCIDR")
        .contains("PodCIDR represents the pod IP range assigned to the node.");

    for (String output : List.of("plaintext", "plaintext-openapiv2")) {
      Result meta = run("explain", "pmempool.metadata.finalizers", "--output=" + output);
      assertThat(meta.exit).as(output + ": " + meta.stderr).isZero();
      assertThat(meta.stdout).as(output).contains("Must be empty before the object is deleted");
    }

    Result lease = run("explain", "lease.spec.holderIdentity", "--output=plaintext-openapiv2");
    assertThat(lease.exit).as(lease.stderr).isZero();
    assertThat(lease.stdout).contains("holderIdentity contains the identity of the holder");
  }

  @Test
  void applyValidatesOnTheServer() throws Exception {
    Path file = yaml("applied.yaml", pool("applied", "resource:\n    name: example.com/pmem"));
    Result created = run("apply", "-f", file.toString());
    assertThat(created.exit).as(created.stderr).isZero();
    assertThat(created.stderr).doesNotContain("openapi");
    assertThat(created.stdout).contains("pmempool.daxtier.io/applied created");
    Result again = run("apply", "-f", file.toString());
    assertThat(again.exit).as(again.stderr).isZero();
    assertThat(again.stdout).contains("unchanged");

    Path unknown = yaml("unknown.yaml", pool("unknown", "bogus: 1"));
    Result strict = run("apply", "-f", unknown.toString());
    assertThat(strict.exit).isNotZero();
    assertThat(strict.stderr)
        .contains("strict decoding error")
        .contains("unknown field \"spec.bogus\"");
  }

  @Test
  void anInvalidPoolIsRefusedWithTheFieldNamed() throws Exception {
    Path file =
        yaml("bad.yaml", pool("bad", "resource:\n    name: kubernetes.io/pmem\n    unit: 1Mi"));
    Result r = run("apply", "-f", file.toString());
    assertThat(r.exit).isNotZero();
    assertThat(r.stderr)
        .contains("The PmemPool \"bad\" is invalid")
        .contains("spec.resource.name: Invalid value")
        .contains("must not be in the kubernetes.io or k8s.io domain")
        .contains("spec.resource.unit: Invalid value");
    assertThat(api.client().resources(PmemPool.class).withName("bad").get()).isNull();

    // the same refusal through Fabric8: a 422 Status with one cause per field
    PmemPool bad =
        api.client()
            .getKubernetesSerialization()
            .unmarshal(pool("bad", "resource:\n    name: kubernetes.io/pmem"), PmemPool.class);
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class, () -> api.client().resource(bad).create());
    assertThat(e.getCode()).isEqualTo(422);
    assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
    assertThat(e.getStatus().getMessage())
        .startsWith("PmemPool.daxtier.io \"bad\" is invalid: spec.resource.name: Invalid value: ");
    assertThat(e.getStatus().getDetails().getCauses())
        .extracting(c -> c.getField())
        .containsExactly("spec.resource.name");
  }

  @Test
  void anInvalidUpdateIsRefusedToo() throws Exception {
    Result created = run("apply", "-f", yaml("upd.yaml", pool("upd", "")).toString());
    assertThat(created.exit).as(created.stderr).isZero();
    Result patched =
        run(
            "patch",
            "pmempool",
            "upd",
            "--type=merge",
            "-p",
            "{\"spec\":{\"resource\":{\"unit\":\"1Mi\"}}}");
    assertThat(patched.exit).isNotZero();
    assertThat(patched.stderr).contains("spec.resource.unit: Invalid value");

    Result badStatus =
        run(
            "patch",
            "pmempool",
            "upd",
            "--subresource=status",
            "--type=merge",
            "-p",
            "{\"status\":{\"phase\":\"Bogus\"}}");
    assertThat(badStatus.exit).isNotZero();
    assertThat(badStatus.stderr)
        .contains("status.phase: Unsupported value: \"Bogus\": supported values: ");
    Result goodStatus =
        run(
            "patch",
            "pmempool",
            "upd",
            "--subresource=status",
            "--type=merge",
            "-p",
            "{\"status\":{\"phase\":\"Ready\"}}");
    assertThat(goodStatus.exit).as(goodStatus.stderr).isZero();
    assertThat(api.client().resources(PmemPool.class).withName("upd").get().getStatus().phase)
        .hasToString("Ready");
  }

  @Test
  void describeShowsTheEventsOfAPool() throws Exception {
    Result created = run("apply", "-f", yaml("strict.yaml", pool("strict", "")).toString());
    assertThat(created.exit).as(created.stderr).isZero();
    PmemPool pool = api.client().resources(PmemPool.class).withName("strict").get();
    api.client()
        .v1()
        .events()
        .inNamespace("default")
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName("strict.1")
                .withNamespace("default")
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion("daxtier.io/v1alpha1")
                .withKind("PmemPool")
                .withName("strict")
                .withUid(pool.getMetadata().getUid())
                .endInvolvedObject()
                .withType("Warning")
                .withReason("EncryptionRequired")
                .withMessage("dimm0 is not encrypted")
                .withCount(1)
                .withLastTimestamp("2026-01-01T00:00:00Z")
                .build())
        .create();
    api.client()
        .v1()
        .events()
        .inNamespace("default")
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName("other.1")
                .withNamespace("default")
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("PmemPool")
                .withName("other")
                .endInvolvedObject()
                .withReason("SomethingElse")
                .build())
        .create();

    Result described = run("describe", "pmempool", "strict");
    assertThat(described.exit).as(described.stderr).isZero();
    assertThat(described.stdout)
        .contains("EncryptionRequired")
        .contains("dimm0 is not encrypted")
        .doesNotContain("SomethingElse")
        .doesNotContain("Events:  <none>");

    Result events = run("get", "events", "-n", "default");
    assertThat(events.stdout).contains("REASON").contains("OBJECT").contains("pmempool/strict");
  }

  @Test
  void deleteWaitsWithAWatchUntilTheFinalizerIsGone() throws Exception {
    Result created =
        run(
            "apply",
            "-f",
            yaml(
                    "fin.yaml",
                    "apiVersion: daxtier.io/v1alpha1\nkind: PmemPool\nmetadata:\n  name: fin\n"
                        + "  finalizers: [daxtier.io/test]\nspec: {}\n")
                .toString());
    assertThat(created.exit).as(created.stderr).isZero();
    Process delete = start("delete", "pmempool", "fin", "--timeout=60s");
    Thread.sleep(2_000);
    assertThat(delete.isAlive()).as("delete waits for the finalizer").isTrue();
    api.client()
        .resources(PmemPool.class)
        .withName("fin")
        .edit(
            p -> {
              p.getMetadata().setFinalizers(List.of());
              return p;
            });
    assertThat(delete.waitFor(30, TimeUnit.SECONDS))
        .as("delete returns once the pool is gone")
        .isTrue();
    String stderr = new String(delete.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(delete.exitValue()).as(stderr).isZero();
    assertThat(stderr).doesNotContain("Failed to watch").doesNotContain("rejected our request");
  }

  @Test
  void nodesHaveAStatusColumn() throws Exception {
    api.client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("ready-node")
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .create();
    api.client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("down-node")
                .withLabels(Map.of("node-role.kubernetes.io/worker", ""))
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("False")
                .endCondition()
                .endStatus()
                .build())
        .create();
    Result r = run("get", "nodes");
    assertThat(r.exit).as(r.stderr).isZero();
    assertThat(r.stdout).contains("STATUS").contains("ROLES");
    assertThat(r.stdout.lines().filter(l -> l.startsWith("ready-node")).findFirst().orElseThrow())
        .contains(" Ready ");
    assertThat(r.stdout.lines().filter(l -> l.startsWith("down-node")).findFirst().orElseThrow())
        .contains(" NotReady ")
        .contains("worker");
  }

  // ---- helpers -------------------------------------------------------------------------------

  static String pool(String name, String spec) {
    return "apiVersion: daxtier.io/v1alpha1\nkind: PmemPool\nmetadata:\n  name: "
        + name
        + "\nspec:\n"
        + (spec.isBlank() ? "  {}\n" : "  " + spec + "\n");
  }

  private static Path yaml(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text);
  }

  record Result(int exit, String stdout, String stderr) {}

  private static Process start(String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }

  private static Result run(String... args) throws IOException, InterruptedException {
    Process p = start(args);
    p.getOutputStream().close();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(done ? p.exitValue() : -1, out, err);
  }
}
