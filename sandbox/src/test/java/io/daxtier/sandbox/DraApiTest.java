package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.daxtier.agent.dra.DraNames;
import io.daxtier.agent.dra.ResourceSlices;
import io.daxtier.agent.dra.SlicePublisher;
import io.daxtier.agent.kernel.sim.SimNodeLoader;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClassBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded API serves Dynamic Resource Allocation (resource.k8s.io/v1): the agent's
 * ResourceSlices of simulated nodes, DeviceClasses and ResourceClaims, with discovery, the {@code
 * spec.nodeName} field selector and kubectl's table columns.
 */
class DraApiTest {
  static EmbeddedApiServer api;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    api = EmbeddedApiServer.start(0);
    publish("node-a", example("qemu-nvdimm"));
    publish("node-b", example("cxl-expander"));
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static SimulatedKernel example(String name) {
    try {
      return SimNodeLoader.load(Path.of("..", "examples", "simulated-nodes", name + ".yaml"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void publish(String node, SimulatedKernel kernel) {
    PmemPoolSpec spec = new PmemPoolSpec();
    spec.mode = PoolMode.SystemRam;
    spec.resource.unit = "128Mi";
    spec.resource.api = ResourceApi.DRA;
    NodePool pool = new NodePool("tier", "tier-uid", 1L, NodePoolState.Active, spec);
    var reconciler =
        new NodeReconciler(
            kernel,
            new SimulatedNdctl(kernel),
            Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
    new SlicePublisher(api.client(), node, ResourceSlices.TaintEffect.NoSchedule)
        .accept(reconciler.reconcile(List.of(pool), 1L).nodeState());
  }

  @Test
  void theAgentsSlicesAreListedByNode() {
    List<ResourceSlice> a =
        api.client()
            .dynamicResourceAllocation()
            .v1()
            .resourcesSlices()
            .withField("spec.nodeName", "node-a")
            .list()
            .getItems();
    assertThat(a)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getSpec().getDriver()).isEqualTo(DraNames.DRIVER);
              assertThat(s.getSpec().getDevices())
                  .extracting(d -> d.getName())
                  .containsExactly("ram-tier-n1");
            });
    assertThat(api.client().dynamicResourceAllocation().v1().resourcesSlices().list().getItems())
        .extracting(s -> s.getSpec().getNodeName())
        .contains("node-a", "node-b"); // and node-c once the watch test ran
  }

  @Test
  void deviceClassesAndClaimsAreStored() {
    DeviceClass dc =
        new DeviceClassBuilder()
            .withNewMetadata()
            .withName("tier.daxtier.io")
            .endMetadata()
            .withNewSpec()
            .withExtendedResourceName("daxtier.io/tier")
            .addNewSelector()
            .withNewCel()
            .withExpression("device.driver == \"memory.daxtier.io\"")
            .endCel()
            .endSelector()
            .endSpec()
            .build();
    api.client().dynamicResourceAllocation().v1().deviceClasses().resource(dc).create();
    ResourceClaim claim =
        new ResourceClaimBuilder()
            .withNewMetadata()
            .withName("cxl-near-0")
            .withNamespace("default")
            .endMetadata()
            .withNewSpec()
            .withNewDevices()
            .addNewRequest()
            .withName("mem")
            .withNewExactly()
            .withDeviceClassName("tier.daxtier.io")
            .endExactly()
            .endRequest()
            .endDevices()
            .endSpec()
            .build();
    api.client().dynamicResourceAllocation().v1().resourceClaims().resource(claim).create();

    assertThat(
            api.client()
                .dynamicResourceAllocation()
                .v1()
                .deviceClasses()
                .withName("tier.daxtier.io")
                .get()
                .getSpec()
                .getExtendedResourceName())
        .isEqualTo("daxtier.io/tier");
    assertThat(
            api.client()
                .dynamicResourceAllocation()
                .v1()
                .resourceClaims()
                .inNamespace("default")
                .withName("cxl-near-0")
                .get())
        .isNotNull();
  }

  @Test
  void discoveryNamesTheDraResources() {
    assertThat(api.client().raw("/apis")).contains("\"resource.k8s.io\"");
    assertThat(api.client().raw("/apis/resource.k8s.io/v1"))
        .contains("\"resourceslices\"")
        .contains("\"deviceclasses\"")
        .contains("\"resourceclaims\"");
  }

  @Test
  void slicesRenderWithNodeDriverAndPool() {
    Clock now = Clock.fixed(Instant.parse("2026-12-01T01:00:00Z"), ZoneOffset.UTC);
    Map<String, Object> slice =
        Map.of(
            "metadata",
            Map.of(
                "name", "node-a-memory-daxtier-io-0", "creationTimestamp", "2026-12-01T00:00:00Z"),
            "spec",
            Map.of(
                "nodeName",
                "node-a",
                "driver",
                "memory.daxtier.io",
                "pool",
                Map.of("name", "node-a", "generation", 3),
                "devices",
                List.of(Map.of("name", "ram-tier-n1"))));
    Map<String, Object> table = TableRenderer.resourceSlices(now).table(List.of(slice), "1");
    @SuppressWarnings("unchecked")
    var rows = (List<Map<String, Object>>) table.get("rows");
    assertThat(rows.get(0).get("cells"))
        .isEqualTo(
            List.of(
                "node-a-memory-daxtier-io-0",
                "node-a",
                "memory.daxtier.io",
                "node-a",
                "60m",
                3,
                1));

    Map<String, Object> claim =
        Map.of("metadata", Map.of("name", "c"), "status", Map.of("allocation", Map.of()));
    @SuppressWarnings("unchecked")
    var claimRows =
        (List<Map<String, Object>>)
            TableRenderer.resourceClaims(now).table(List.of(claim), "1").get("rows");
    assertThat(((List<?>) claimRows.get(0).get("cells")).get(1)).isEqualTo("allocated");
  }

  @Test
  void kubectlGetsSlicesAndDeviceClasses() throws Exception {
    Path kubectl = Path.of("/usr/bin/kubectl");
    assumeTrue(Files.isExecutable(kubectl), "kubectl not installed: skipped");
    Path kubeconfig = api.writeKubeconfig(tmp.resolve("sandbox.kubeconfig"));

    String out = run(kubectl, kubeconfig, "get", "resourceslices,deviceclasses");
    assertThat(out)
        .contains("NODE")
        .contains("DRIVER")
        .contains("POOL")
        .contains("node-a-memory-daxtier-io-0")
        .contains("memory.daxtier.io");
    String mine =
        run(
            kubectl,
            kubeconfig,
            "get",
            "resourceslices",
            "--field-selector",
            "spec.nodeName=node-b");
    assertThat(mine).contains("node-b-memory-daxtier-io-0").doesNotContain("node-a-memory");
  }

  @Test
  void kubectlWatchesSlicesAppear() throws Exception {
    Path kubectl = Path.of("/usr/bin/kubectl");
    assumeTrue(Files.isExecutable(kubectl), "kubectl not installed: skipped");
    Path kubeconfig = api.writeKubeconfig(tmp.resolve("watch.kubeconfig"));
    Process watch =
        new ProcessBuilder(
                kubectl.toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "get",
                "resourceslices",
                "--watch-only",
                "--request-timeout=6s")
            .redirectErrorStream(true)
            .start();
    Thread.sleep(2000); // let the watch open
    publish("node-c", example("qemu-nvdimm"));
    assertThat(watch.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(watch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).contains("node-c-memory-daxtier-io-0").contains("memory.daxtier.io");
  }

  private static String run(Path kubectl, Path kubeconfig, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(done && p.exitValue() == 0).as(out).isTrue();
    return out;
  }
}
