package io.daxtier.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.agent.kernel.HostKernel;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.ProcessNdctl;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.ndctl.UnavailableNdctl;
import io.daxtier.agent.testing.Nodes;
import io.daxtier.agent.testing.SysfsFixture;
import io.daxtier.testkit.kubelet.FakeKubelet;
import io.daxtier.testkit.kubelet.FakeKubeletMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: output, and one exit code per failure a caller must tell apart. */
class CliTest {
  @TempDir Path tmp;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(Main main, String... args) {
    return Main.execute(main, new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  static Main on(SimulatedKernel k, int uid) {
    return new Main().with(k, new SimulatedNdctl(k), () -> uid);
  }

  Path pool(String yaml) throws Exception {
    Path p = tmp.resolve("pool.yaml");
    Files.writeString(p, yaml);
    return p;
  }

  static final String POOL =
      """
      apiVersion: daxtier.io/v1alpha1
      kind: PmemPool
      metadata: {name: tier}
      spec:
        mode: SystemRam
        resource: {unit: 128Mi}
      """;

  @Test
  void inventoryJsonOnTheSimulatedKernel() throws Exception {
    String example = Nodes.example("qemu-nvdimm").toString();
    int rc = run(new Main(), "--simulate", example, "inventory", "--json");
    assertThat(rc).isZero();
    JsonNode j = new ObjectMapper().readTree(out.toString());
    assertThat(j.path("devices").get(0).path("name").asText()).isEqualTo("dax0.0");
    assertThat(j.path("devices").get(0).path("mode").asText()).isEqualTo("devdax");
    assertThat(j.path("devices").get(0).path("memoryType").asText()).isEqualTo("pmem");
    assertThat(j.path("platform").path("memoryBlockSize").asLong()).isEqualTo(134217728L);
    assertThat(j.path("regions").get(0).path("dimms").get(0).asText()).isEqualTo("nmem0");
  }

  @Test
  void applyConvergesAndSaysSo() throws Exception {
    int rc = run(on(Nodes.qemu(), 1000), "apply", "-f", pool(POOL).toString());
    assertThat(rc).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString())
        .contains("kmem/new_id")
        .contains("tier         Ready")
        .contains("node1 cpu-less MemTotal 917504 kB");
  }

  @Test
  void dryRunWritesNothingAndNeedsNoRoot() throws Exception {
    SimulatedKernel k = Nodes.qemu();
    int rc = run(on(k, 1000), "apply", "--dry-run", "-f", pool(POOL).toString());
    assertThat(rc).isZero();
    assertThat(k.writes()).isEmpty();
    assertThat(out.toString()).contains("dry run");
  }

  @Test
  void notRootOnTheHost() throws Exception {
    Main m = new Main();
    m.with(new HostKernel(Path.of("/")), new SimulatedNdctl(Nodes.qemu()), () -> 1000);
    assertThat(run(m, "apply", "-f", pool(POOL).toString())).isEqualTo(ExitCodes.NOT_ROOT);
  }

  @Test
  void inventoryOfARealKernelWithAMalformedAttributeReportsItAndTheRest() throws Exception {
    Path tree = SysfsFixture.materialize("qemu-6.1-nvdimm/system-ram", tmp.resolve("tree"));
    Files.writeString(
        tree.resolve("sys/bus/nd/devices/region0/mappings"), "2147483647\n"); // through links
    assertThat(run(new Main(), "--root", tree.toString(), "inventory", "--json")).isZero();
    JsonNode doc = new ObjectMapper().readTree(out.toString());
    // dax1.0 as read; dax0.0, held back, only as Failed with the reason and the attribute
    assertThat(doc.get("devices")).hasSize(2);
    assertThat(doc.get("devices").get(0).get("name").asText()).isEqualTo("dax1.0");
    JsonNode held = doc.get("devices").get(1);
    assertThat(held.get("name").asText()).isEqualTo("dax0.0");
    assertThat(held.get("phase").asText()).isEqualTo("Failed");
    assertThat(held.get("reason").asText()).isEqualTo("MalformedSysfs");
    assertThat(held.has("size")).as("no value read from a malformed device").isFalse();
    JsonNode region = doc.get("malformed").get(0);
    assertThat(region.get("name").asText()).isEqualTo("region0");
    assertThat(region.get("reason").asText()).isEqualTo("MalformedSysfs");
    assertThat(region.get("path").asText()).isEqualTo("/sys/bus/nd/devices/region0/mappings");
    assertThat(region.get("value").asText()).isEqualTo("2147483647");
    assertThat(doc.get("malformed").get(1).get("message").asText())
        .startsWith("depends on region0, malformed at /sys/bus/nd/devices/region0/mappings");

    out.getBuffer().setLength(0);
    assertThat(run(new Main(), "--root", tree.toString(), "inventory")).isZero();
    assertThat(out.toString())
        .contains("region0 MalformedSysfs: malformed at /sys/bus/nd/devices/region0/mappings")
        .contains("dax0.0 MalformedSysfs: depends on region0");
  }

  @Test
  void noSysfsUnderRoot() throws Exception {
    assertThat(run(new Main(), "--root", tmp.toString(), "inventory"))
        .isEqualTo(ExitCodes.NO_SYSFS);
    assertThat(err.toString()).contains("no sysfs");
  }

  @Test
  void underRootTheHostsNdctlNeverRuns() throws Exception {
    Path tree = tmp.resolve("tree");
    SimulatedKernel sim = Nodes.secureServer(); // an ARS-capable bus: converting starts a scrub
    sim.materialize(tree);
    Main m = new Main();

    int rc = run(m, "--root", tree.toString(), "apply", "-f", pool(POOL).toString());

    assertThat(m.ndctl()).isInstanceOf(UnavailableNdctl.class);
    assertThat(rc).as(err.toString()).isEqualTo(ExitCodes.FAILED);
    assertThat(out.toString())
        .contains("ScrubFailed")
        .contains("ndctl start-scrub ndbus0 not run: ndctl unavailable under --root");
  }

  @Test
  void theNdctlFollowsTheKernel() throws Exception {
    String example = Nodes.example("qemu-nvdimm").toString();
    Main simulated = new Main();
    run(simulated, "--root", tmp.toString(), "--simulate", example, "inventory");
    assertThat(simulated.ndctl()).isInstanceOf(SimulatedNdctl.class);
    Main host = new Main();
    new CommandLine(host).parseArgs("--root", "/", "inventory");
    assertThat(host.hostRoot()).isTrue();
    assertThat(host.ndctl()).isInstanceOf(ProcessNdctl.class);
    Main fixture = new Main();
    new CommandLine(fixture).parseArgs("--root", tmp.resolve("x/..").toString(), "inventory");
    assertThat(fixture.ndctl()).isInstanceOf(UnavailableNdctl.class);
  }

  @Test
  void kmemMissing() throws Exception {
    SimulatedKernel k = Nodes.qemu();
    k.removeKmem();
    assertThat(run(on(k, 0), "apply", "-f", pool(POOL).toString()))
        .isEqualTo(ExitCodes.KMEM_MISSING);
  }

  @Test
  void classModel() throws Exception {
    SimulatedKernel k = Nodes.yaml(io.daxtier.agent.reconcile.SafetyTestNodes.CLASS_MODEL);
    assertThat(run(on(k, 0), "apply", "-f", pool(POOL).toString()))
        .isEqualTo(ExitCodes.CLASS_MODEL);
    assertThat(err.toString()).contains("/sys/class/dax");
  }

  @Test
  void badPoolFiles() throws Exception {
    assertThat(
            run(
                on(Nodes.qemu(), 0),
                "apply",
                "-f",
                pool("kind: PmemPool\nmetadata: {name: x}\nspec: {mode: Sideways}\n").toString()))
        .isEqualTo(ExitCodes.BAD_POOL_FILE);
    assertThat(
            run(
                on(Nodes.qemu(), 0),
                "apply",
                "-f",
                pool("kind: PmemPool\nmetadata: {name: x}\nspec: {colour: red}\n").toString()))
        .isEqualTo(ExitCodes.BAD_POOL_FILE);
    assertThat(
            run(
                on(Nodes.qemu(), 0),
                "apply",
                "-f",
                pool("kind: PmemPool\nmetadata: {name: x}\nspec: {resource: {unit: 1Mi}}\n")
                    .toString()))
        .isEqualTo(ExitCodes.BAD_POOL_FILE);
    assertThat(run(on(Nodes.qemu(), 0), "apply", "-f", tmp.resolve("missing.yaml").toString()))
        .isEqualTo(ExitCodes.BAD_POOL_FILE);
  }

  @Test
  void anAbsurdUnitInAPoolFileIsRefusedNamingTheFieldBeforeAnyKernelWrite() throws Exception {
    SimulatedKernel k = Nodes.qemu();
    String absurd = POOL.replace("unit: 128Mi", "unit: 9999999Ti");

    assertThat(run(on(k, 0), "apply", "-f", pool(absurd).toString()))
        .isEqualTo(ExitCodes.BAD_POOL_FILE);

    assertThat(err.toString()).contains("pool tier: resource.unit: must be at most 1Ti");
    assertThat(k.writes()).isEmpty();
  }

  @Test
  void aTwentyDigitProvisionSizeInAPoolFileIsRefusedByApplyAndRun() throws Exception {
    SimulatedKernel k = Nodes.qemu();
    String absurd = POOL + "  devices: {provision: {size: \"12345678901234567890\"}}\n";

    assertThat(run(on(k, 0), "apply", "-f", pool(absurd).toString()))
        .isEqualTo(ExitCodes.BAD_POOL_FILE);
    assertThat(err.toString()).contains("pool tier: devices.provision.size: not a size");

    int rc =
        run(
            on(k, 0),
            "run",
            "--once",
            "--pool-file",
            pool(absurd).toString(),
            "--status-file",
            tmp.resolve("status.json").toString());
    assertThat(rc).isEqualTo(ExitCodes.BAD_POOL_FILE);
    assertThat(k.writes()).isEmpty();
  }

  static String releasing(String release) {
    return """
        apiVersion: daxtier.io/v1alpha1
        kind: PmemNode
        metadata: {name: node1, generation: 2}
        spec:
          pools:
          - name: tier
            state: Release
            spec:
              mode: SystemRam
              resource: {unit: 128Mi}
              release: %s
        """
        .formatted(release);
  }

  @Test
  void anEraseWithoutItsConfirmationIsRefusedAndNothingIsErased() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    assertThat(run(on(k, 0), "apply", "-f", pool(POOL).toString())).isEqualTo(ExitCodes.OK);
    k.clearWrites();

    int rc = run(on(k, 0), "apply", "-f", pool(releasing("{action: Erase}")).toString());

    assertThat(rc).isEqualTo(ExitCodes.BAD_POOL_FILE);
    assertThat(err.toString()).contains("spec.release.confirmErase");
    assertThat(k.dimmOverwrites("nmem0")).isZero();
    assertThat(k.writes()).isEmpty();
  }

  @Test
  void aConfirmedEraseErases() throws Exception {
    SimulatedKernel k = Nodes.secureServer();
    assertThat(run(on(k, 0), "apply", "-f", pool(POOL).toString())).isEqualTo(ExitCodes.OK);

    int rc =
        run(
            on(k, 0),
            "apply",
            "-f",
            pool(releasing("{action: Erase, confirmErase: true}")).toString());

    assertThat(rc).as(err.toString() + out).isEqualTo(ExitCodes.OK);
    assertThat(k.dimmOverwrites("nmem0")).isEqualTo(1);
  }

  @Test
  void blockedExitCode() throws Exception {
    String required = POOL + "  policy: {encryption: Required}\n";
    assertThat(run(on(Nodes.qemu(), 0), "apply", "-f", pool(required).toString()))
        .isEqualTo(ExitCodes.BLOCKED);
    assertThat(out.toString()).contains("EncryptionRequired");
  }

  @Test
  void runOnceStandaloneWritesTheStatusFile() throws Exception {
    Path status = tmp.resolve("status.json");
    int rc =
        run(
            on(Nodes.qemu(), 0),
            "run",
            "--once",
            "--pool-file",
            pool(POOL).toString(),
            "--status-file",
            status.toString());
    assertThat(rc).as(err.toString()).isZero();
    JsonNode j = new ObjectMapper().readTree(status.toFile());
    assertThat(j.path("pools").get(0).path("phase").asText()).isEqualTo("Ready");
    assertThat(j.path("onlineCapacity").asText()).isEqualTo("896Mi");
  }

  @Test
  void theDevicePluginIsOnByDefaultAndOffWithItsNoForm() {
    RunCommand byDefault = new RunCommand();
    new CommandLine(byDefault).parseArgs("--pool-file", "pool.yaml");
    assertThat(byDefault.devicePlugin).isTrue();
    RunCommand off = new RunCommand();
    new CommandLine(off).parseArgs("--pool-file", "pool.yaml", "--no-device-plugin");
    assertThat(off.devicePlugin).isFalse();
  }

  @Test
  void cdsTrainingWalksTheNodePathWithAStandInKubeletThenExits() throws Exception {
    FakeKubelet kubelet = trainingKubelet();
    int rc =
        run(
            new Main(),
            "--simulate",
            Nodes.example("qemu-nvdimm").toString(),
            "run",
            "--pool-file",
            Nodes.example("pool-pmem-tier").toString(),
            "--kubelet-dir",
            tmp.resolve("kubelet").toString(),
            "--metrics-port",
            "0",
            "--cds-training");
    kubelet.close();
    assertThat(rc).as(err.toString()).isZero();
    assertThat(RunCommand.keepsRunning()).isFalse();
  }

  @Test
  void theHealthEndpointsListenOnTheGivenAddress() throws Exception {
    RunCommand everywhere = new RunCommand();
    new CommandLine(everywhere).parseArgs("--pool-file", "pool.yaml");
    assertThat(everywhere.healthBind().getAddress().isAnyLocalAddress()).isTrue();
    assertThat(everywhere.healthBind().getPort()).isEqualTo(9464);
    RunCommand loopback = new RunCommand();
    new CommandLine(loopback)
        .parseArgs("--pool-file", "pool.yaml", "--health-address", "127.0.0.1");
    assertThat(loopback.healthBind().getAddress().isLoopbackAddress()).isTrue();
    RunCommand v6 = new RunCommand();
    new CommandLine(v6).parseArgs("--pool-file", "pool.yaml", "--health-address", "::1");
    assertThat(v6.healthBind().getAddress().isLoopbackAddress()).isTrue();

    // the agent serves there: the training run's own GETs go to the bound address
    FakeKubelet kubelet = trainingKubelet();
    int rc =
        run(
            new Main(),
            "--simulate",
            Nodes.example("qemu-nvdimm").toString(),
            "run",
            "--pool-file",
            Nodes.example("pool-pmem-tier").toString(),
            "--kubelet-dir",
            tmp.resolve("kubelet").toString(),
            "--metrics-port",
            "0",
            "--health-address",
            "127.0.0.1",
            "--cds-training");
    kubelet.close();
    assertThat(rc).as(err.toString()).isZero();
  }

  /** The training's stand-in kubelet, as cds-archive.sh starts it (in its own process there). */
  private FakeKubelet trainingKubelet() {
    assertThat(RunCommand.TRAINING_ALLOCATED).isEqualTo(FakeKubeletMain.ALLOCATED);
    FakeKubelet kubelet = new FakeKubelet(tmp.resolve("kubelet")).start();
    FakeKubeletMain.allocateOnce(kubelet);
    return kubelet;
  }

  @Test
  void cdsTrainingOnlyOnTheSimulatedKernel() throws Exception {
    int rc =
        run(
            on(Nodes.qemu(), 0),
            "run",
            "--pool-file",
            pool(POOL).toString(),
            "--kubelet-dir",
            tmp.resolve("kubelet").toString(),
            "--cds-training");
    assertThat(rc).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--cds-training needs --simulate");
  }

  @Test
  void theDraKubeletRootIsTheKubeletsRootOnlyWhereTheKubeletLaysItOut() {
    assertThat(RunCommand.kubeletRootOf(Path.of("/var/lib/kubelet/device-plugins")))
        .isEqualTo(Path.of("/var/lib/kubelet"));
    assertThat(RunCommand.kubeletRootOf(Path.of("/data/k/device-plugins/")))
        .isEqualTo(Path.of("/data/k"));
    // a stand-in kubelet's own directory: never its parent (/tmp), so agents do not share sockets
    assertThat(RunCommand.kubeletRootOf(Path.of("/tmp/dt-123"))).isEqualTo(Path.of("/tmp/dt-123"));
  }
}
