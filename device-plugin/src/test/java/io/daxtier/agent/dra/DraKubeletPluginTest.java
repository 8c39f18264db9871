package io.daxtier.agent.dra;

import static io.daxtier.agent.dra.FakeClaimSource.ours;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.agent.dra.FakeDraKubelet.Prepared;
import io.daxtier.agent.testing.MutableClock;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.dra.health.v1alpha1.HealthStatus;
import io.daxtier.dra.health.v1alpha1.NodeWatchResourcesResponse;
import io.daxtier.pluginregistration.PluginInfo;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet plugin over real Unix sockets, driven by a fake kubelet. */
class DraKubeletPluginTest {
  private static final String NODE = "node-a";
  private static final long GIB = 1L << 30;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String RAM = DraNames.systemRamDevice("tier", 2);
  private static final String DAX = DraNames.devDaxDevice("/dev/dax1.0");

  @TempDir Path tmp;
  private Path kubeletDir;
  private Path stateDir;
  private Path cdiDir;
  private final MutableClock clock = MutableClock.at("2026-12-05T18:00:00Z");
  private final FakeClaimSource claims = new FakeClaimSource();
  private final AtomicReference<List<DraDevice>> devices =
      new AtomicReference<>(List.of(ram(RAM, 2, 4 * GIB, true), dax(DAX, true)));
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void dirs() {
    kubeletDir = tmp.resolve("kubelet");
    stateDir = tmp.resolve("state");
    cdiDir = tmp.resolve("cdi");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void registersThroughThePluginWatcherAndAdvertisesBothDraVersions() throws Exception {
    DraKubeletPlugin plugin = started();
    FakeDraKubelet kubelet = kubelet();

    assertThat(kubelet.registrySockets())
        .containsExactly(kubeletDir.resolve("plugins_registry/memory.daxtier.io-reg.sock"));
    PluginInfo info = kubelet.register();

    assertThat(info.getType()).isEqualTo("DRAPlugin");
    assertThat(info.getName()).isEqualTo("memory.daxtier.io");
    assertThat(info.getEndpoint())
        .isEqualTo(kubeletDir.resolve("plugins/memory.daxtier.io/dra.sock").toString());
    assertThat(info.getSupportedVersionsList())
        .containsExactly("v1.DRAPlugin", "v1beta1.DRAPlugin");
    assertThat(kubelet.chosenVersion()).isEqualTo("v1.DRAPlugin");
    assertThat(plugin.registered()).contains(true);
  }

  @Test
  void aKubeletSpeakingOnlyV1beta1PreparesThroughV1beta1() throws Exception {
    started();
    FakeDraKubelet kubelet = kubelet().speaking("v1beta1.DRAPlugin");
    kubelet.register();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "mem", RAM, GIB));

    Prepared p = kubelet.prepare(c).get(c.uid());

    assertThat(kubelet.chosenVersion()).isEqualTo("v1beta1.DRAPlugin");
    assertThat(p.failed()).isFalse();
    assertThat(p.devices()).singleElement().satisfies(d -> assertThat(d.device()).isEqualTo(RAM));
  }

  @Test
  void staleSocketFilesOfACrashedRunAreReplaced() throws Exception {
    Path reg = kubeletDir.resolve("plugins_registry/memory.daxtier.io-reg.sock");
    Path dra = kubeletDir.resolve("plugins/memory.daxtier.io/dra.sock");
    leaveStaleSocket(reg);
    leaveStaleSocket(dra);

    started();
    FakeDraKubelet kubelet = kubelet();
    kubelet.register();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "mem", RAM, GIB));

    assertThat(kubelet.prepare(c).get(c.uid()).failed()).isFalse();
  }

  @Test
  void preparingSystemRamWritesACdiSpecWithTheDevicePluginsEnvironment() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "mem", RAM, 3 * GIB));

    Prepared p = kubelet.prepare(c).get(c.uid());

    assertThat(p.error()).isEmpty();
    String cdiName = c.uid() + "-0-" + RAM;
    assertThat(p.devices())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.pool()).isEqualTo(NODE);
              assertThat(d.device()).isEqualTo(RAM);
              assertThat(d.requests()).containsExactly("mem");
              assertThat(d.cdiIds()).containsExactly("daxtier.io/memory=" + cdiName);
            });
    JsonNode spec = cdiSpec(c);
    assertThat(spec.get("cdiVersion").asText()).isEqualTo("0.6.0");
    assertThat(spec.get("kind").asText()).isEqualTo("daxtier.io/memory");
    JsonNode device = spec.get("devices").get(0);
    assertThat(device.get("name").asText()).isEqualTo(cdiName);
    assertThat(strings(device.get("containerEdits").get("env")))
        .containsExactly(
            "DAXTIER_NUMA_NODES=2", "MEMKIND_DAX_KMEM_NODES=2", "DAXTIER_BYTES=" + 3 * GIB);
    assertThat(device.get("containerEdits").has("deviceNodes")).isFalse();
  }

  @Test
  void aResultWithoutConsumedCapacityConsumesThePoolsUnit() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "mem", RAM, null));

    assertThat(kubelet.prepare(c).get(c.uid()).failed()).isFalse();

    assertThat(strings(cdiSpec(c).get("devices").get(0).get("containerEdits").get("env")))
        .contains("DAXTIER_BYTES=" + GIB);
  }

  @Test
  void aClaimOnTwoNumaNodesListsBothAndTheSum() throws Exception {
    String ram3 = DraNames.systemRamDevice("tier", 3);
    devices.set(List.of(ram(RAM, 2, 4 * GIB, true), ram(ram3, 3, 4 * GIB, true)));
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "mem", ram3, GIB), ours(NODE, "mem", RAM, 2 * GIB));

    assertThat(kubelet.prepare(c).get(c.uid()).devices()).hasSize(2);

    for (JsonNode d : cdiSpec(c).get("devices")) {
      assertThat(strings(d.get("containerEdits").get("env")))
          .containsExactly(
              "DAXTIER_NUMA_NODES=2,3", "MEMKIND_DAX_KMEM_NODES=2,3", "DAXTIER_BYTES=" + 3 * GIB);
    }
  }

  @Test
  void preparingDevDaxAddsTheCharacterDevice() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "dax", DAX, null));

    Prepared p = kubelet.prepare(c).get(c.uid());

    assertThat(p.error()).isEmpty();
    JsonNode edits = cdiSpec(c).get("devices").get(0).get("containerEdits");
    assertThat(edits.get("deviceNodes").get(0).get("path").asText()).isEqualTo("/dev/dax1.0");
    assertThat(strings(edits.get("env"))).containsExactly("DAXTIER_DAX_DEVICES=/dev/dax1.0");
  }

  @Test
  void aDevDaxDeviceGoesToOneClaimAtATime() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef a = claim("a");
    ClaimRef b = claim("b");
    claims.allocate(a, ours(NODE, "dax", DAX, null)).allocate(b, ours(NODE, "dax", DAX, null));

    assertThat(kubelet.prepare(a).get(a.uid()).failed()).isFalse();
    assertThat(kubelet.prepare(b).get(b.uid()).error()).contains("already prepared for claim");
  }

  @Test
  void unhealthyOrReleasedDevicesRefuseOnlyTheirClaims() throws Exception {
    String sick = DraNames.systemRamDevice("tier", 5);
    devices.set(List.of(ram(RAM, 2, 4 * GIB, true), ram(sick, 5, 4 * GIB, false)));
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef good = claim("good");
    ClaimRef poisoned = claim("poisoned");
    ClaimRef released = claim("released");
    claims
        .allocate(good, ours(NODE, "mem", RAM, GIB))
        .allocate(poisoned, ours(NODE, "mem", sick, GIB))
        .allocate(released, ours(NODE, "dax", DAX, null));

    Map<String, Prepared> r = kubelet.prepare(good, poisoned, released);

    assertThat(r.get(good.uid()).error()).isEmpty();
    assertThat(r.get(poisoned.uid()).error()).contains(sick).contains("unhealthy");
    assertThat(r.get(poisoned.uid()).devices()).isEmpty();
    assertThat(r.get(released.uid()).error()).contains(DAX).contains("not published");
    assertThat(Files.exists(cdiFile(good))).isTrue();
    assertThat(Files.exists(cdiFile(poisoned))).isFalse();
    assertThat(Files.exists(cdiFile(released))).isFalse();
  }

  @Test
  void claimsOfOtherNodesOrUnknownClaimsAreRefused() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef elsewhere = claim("elsewhere");
    ClaimRef missing = claim("missing");
    claims.allocate(elsewhere, ours("node-b", "mem", RAM, GIB));

    Map<String, Prepared> r = kubelet.prepare(elsewhere, missing);

    assertThat(r.get(elsewhere.uid()).error()).contains("no device of driver");
    assertThat(r.get(missing.uid()).error()).contains("not found");
  }

  @Test
  void capacityIsNotOvercommittedAndComesBackOnUnprepare() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef a = claim("a");
    ClaimRef b = claim("b");
    claims
        .allocate(a, ours(NODE, "mem", RAM, 3 * GIB))
        .allocate(b, ours(NODE, "mem", RAM, 2 * GIB));

    assertThat(kubelet.prepare(a).get(a.uid()).failed()).isFalse();
    assertThat(kubelet.prepare(b).get(b.uid()).error())
        .contains("has " + GIB + " bytes free of " + 4 * GIB);

    assertThat(kubelet.unprepare(a)).containsEntry(a.uid(), "");
    assertThat(kubelet.prepare(b).get(b.uid()).failed()).isFalse();
  }

  @Test
  void prepareAndUnprepareAreIdempotent() throws Exception {
    DraKubeletPlugin plugin = started();
    FakeDraKubelet kubelet = registered();
    ClaimRef a = claim("a");
    ClaimRef b = claim("b");
    claims
        .allocate(a, ours(NODE, "mem", RAM, 2 * GIB))
        .allocate(b, ours(NODE, "mem", RAM, 2 * GIB));

    Prepared first = kubelet.prepare(a).get(a.uid());
    Prepared again = kubelet.prepare(a).get(a.uid());

    assertThat(again).isEqualTo(first);
    assertThat(claims.reads()).isEqualTo(1);
    assertThat(plugin.prepared()).hasSize(1);
    // Counted once: another 2 GiB still fits the 4 GiB device.
    assertThat(kubelet.prepare(b).get(b.uid()).failed()).isFalse();

    assertThat(kubelet.unprepare(a)).containsEntry(a.uid(), "");
    assertThat(kubelet.unprepare(a)).containsEntry(a.uid(), "");
    assertThat(Files.exists(cdiFile(a))).isFalse();
    assertThat(plugin.prepared()).extracting(pc -> pc.claim().uid()).containsExactly(b.uid());
  }

  @Test
  void aLostCdiSpecIsWrittenAgainOnTheNextPrepare() throws Exception {
    started();
    FakeDraKubelet kubelet = registered();
    ClaimRef a = claim("a");
    claims.allocate(a, ours(NODE, "mem", RAM, GIB));
    kubelet.prepare(a);
    String before = Files.readString(cdiFile(a));
    Files.delete(cdiFile(a));

    assertThat(kubelet.prepare(a).get(a.uid()).failed()).isFalse();

    assertThat(Files.readString(cdiFile(a))).isEqualTo(before);
  }

  @Test
  void aRestartedAgentKeepsItsLedgerAndUnpreparesWhatTheLastRunPrepared() throws Exception {
    DraKubeletPlugin first = started();
    FakeDraKubelet kubelet = registered();
    ClaimRef a = claim("a");
    ClaimRef b = claim("b");
    claims
        .allocate(a, ours(NODE, "mem", RAM, 3 * GIB))
        .allocate(b, ours(NODE, "mem", RAM, 2 * GIB));
    Prepared prepared = kubelet.prepare(a).get(a.uid());
    first.close();

    DraKubeletPlugin second = started();
    FakeDraKubelet kubelet2 = registered();

    assertThat(second.checkpointProblem()).isEmpty();
    assertThat(second.prepared()).extracting(pc -> pc.claim()).containsExactly(a);
    assertThat(kubelet2.prepare(b).get(b.uid()).error()).contains("bytes free");
    assertThat(kubelet2.prepare(a).get(a.uid())).isEqualTo(prepared);
    assertThat(claims.reads()).isEqualTo(2); // a once in the first run, b once in the second

    assertThat(kubelet2.unprepare(a)).containsEntry(a.uid(), "");
    assertThat(Files.exists(cdiFile(a))).isFalse();
    assertThat(kubelet2.prepare(b).get(b.uid()).failed()).isFalse();
    JsonNode checkpoint = JSON.readTree(stateDir.resolve(PrepareCheckpoint.FILE).toFile());
    assertThat(checkpoint.get("version").asInt()).isEqualTo(1);
    assertThat(checkpoint.get("claims")).hasSize(1);
    assertThat(checkpoint.get("claims").get(0).get("uid").asText()).isEqualTo(b.uid());
  }

  @Test
  void aMalformedCheckpointIsSetAsideAndThePluginStartsEmpty() throws Exception {
    Files.createDirectories(stateDir);
    Path file = stateDir.resolve(PrepareCheckpoint.FILE);
    Files.writeString(file, "{\"version\": 1, \"claims\": [ {\"uid\": ");

    DraKubeletPlugin plugin = started();

    Path aside =
        stateDir.resolve(PrepareCheckpoint.FILE + ".corrupt-" + clock.instant().getEpochSecond());
    assertThat(plugin.checkpointProblem())
        .hasValueSatisfying(p -> assertThat(p).contains(aside.toString()));
    assertThat(Files.readString(aside)).startsWith("{\"version\": 1");
    assertThat(plugin.prepared()).isEmpty();

    FakeDraKubelet kubelet = registered();
    ClaimRef a = claim("a");
    claims.allocate(a, ours(NODE, "mem", RAM, GIB));
    assertThat(kubelet.prepare(a).get(a.uid()).failed()).isFalse();
    assertThat(JSON.readTree(file.toFile()).get("claims")).hasSize(1);
  }

  @Test
  void aCheckpointOfAnUnknownVersionIsSetAsideToo() throws Exception {
    Files.createDirectories(stateDir);
    Files.writeString(stateDir.resolve(PrepareCheckpoint.FILE), "{\"version\": 7, \"claims\": []}");

    DraKubeletPlugin plugin = started();

    assertThat(plugin.checkpointProblem())
        .hasValueSatisfying(p -> assertThat(p).contains("version 7"));
    assertThat(Files.exists(stateDir.resolve(PrepareCheckpoint.FILE))).isFalse();
  }

  @Test
  void theHealthStreamSeesADeviceTurnUnhealthyAndThenGoAway() throws Exception {
    DraKubeletPlugin plugin = started();
    FakeDraKubelet kubelet = registered();
    BlockingQueue<NodeWatchResourcesResponse> stream = kubelet.watchHealth();
    var streamV1 = kubelet.watchHealthV1();

    NodeWatchResourcesResponse initial = next(stream);
    assertThat(initial.getDevicesList())
        .extracting(
            d ->
                d.getDevice().getPoolName()
                    + "/"
                    + d.getDevice().getDeviceName()
                    + "="
                    + d.getHealth())
        .containsExactly(NODE + "/" + RAM + "=HEALTHY", NODE + "/" + DAX + "=HEALTHY");
    assertThat(next(streamV1).getDevicesCount()).isEqualTo(2);

    clock.advance(Duration.ofMinutes(1));
    plugin.update(List.of(ram(RAM, 2, 4 * GIB, false), dax(DAX, true)));
    NodeWatchResourcesResponse poisoned = next(stream);
    var ramHealth = poisoned.getDevices(0);
    assertThat(ramHealth.getDevice().getDeviceName()).isEqualTo(RAM);
    assertThat(ramHealth.getHealth()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(ramHealth.getLastUpdatedTime()).isEqualTo(clock.instant().getEpochSecond());
    assertThat(ramHealth.getMessage()).contains("poison");
    assertThat(poisoned.getDevices(1).getHealth()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(next(streamV1).getDevices(0).getHealth())
        .isEqualTo(io.daxtier.dra.health.v1.HealthStatus.UNHEALTHY);

    plugin.update(List.of(ram(RAM, 2, 4 * GIB, false), dax(DAX, true)));
    assertThat(stream.poll(200, TimeUnit.MILLISECONDS)).as("no change, no message").isNull();

    plugin.update(List.of(ram(RAM, 2, 4 * GIB, false)));
    NodeWatchResourcesResponse released = next(stream);
    assertThat(released.getDevices(1).getDevice().getDeviceName()).isEqualTo(DAX);
    assertThat(released.getDevices(1).getHealth()).isEqualTo(HealthStatus.UNKNOWN);

    plugin.update(List.of(ram(RAM, 2, 4 * GIB, true)));
    assertThat(next(stream).getDevicesList())
        .as("a gone device is left out after it was reported unknown")
        .extracting(d -> d.getDevice().getDeviceName() + "=" + d.getHealth())
        .containsExactly(RAM + "=HEALTHY");
  }

  @Test
  void aDeletedRegistrationSocketIsServedAgainOnTheNextPass() throws Exception {
    DraKubeletPlugin plugin = started();
    Path reg = kubeletDir.resolve("plugins_registry/memory.daxtier.io-reg.sock");
    Files.delete(reg);

    plugin.update(devices.get());

    assertThat(reg).exists();
    FakeDraKubelet kubelet = registered();
    ClaimRef c = claim("a");
    claims.allocate(c, ours(NODE, "mem", RAM, GIB));
    assertThat(kubelet.prepare(c).get(c.uid()).failed()).isFalse();
  }

  @Test
  void closingRemovesTheSockets() throws Exception {
    DraKubeletPlugin plugin = started();
    plugin.close();
    open.remove(plugin);

    assertThat(kubelet().registrySockets()).isEmpty();
    assertThat(kubeletDir.resolve("plugins/memory.daxtier.io/dra.sock")).doesNotExist();
  }

  // --- helpers

  private DraKubeletPlugin started() throws IOException {
    DraKubeletPlugin p =
        new DraKubeletPlugin(
            new DraPluginConfig(kubeletDir, stateDir, cdiDir, NODE), claims, devices::get, clock);
    open.add(p);
    p.start();
    return p;
  }

  private FakeDraKubelet kubelet() {
    FakeDraKubelet k = new FakeDraKubelet(kubeletDir);
    open.add(k);
    return k;
  }

  private FakeDraKubelet registered() throws Exception {
    FakeDraKubelet k = kubelet();
    k.register();
    return k;
  }

  private static ClaimRef claim(String name) {
    return new ClaimRef("ns", name, "uid-" + name);
  }

  private static DraDevice ram(String name, int node, long capacity, boolean healthy) {
    return new DraDevice(
        name,
        "tier",
        PoolMode.SystemRam,
        "daxtier.io/pmem",
        GIB,
        node,
        0,
        capacity,
        null,
        healthy,
        Map.of());
  }

  private static DraDevice dax(String name, boolean healthy) {
    return new DraDevice(
        name,
        "raw",
        PoolMode.DevDax,
        "daxtier.io/dax",
        16 * GIB,
        3,
        0,
        16 * GIB,
        "/dev/dax1.0",
        healthy,
        Map.of());
  }

  private Path cdiFile(ClaimRef c) {
    return cdiDir.resolve("memory.daxtier.io_" + c.uid() + ".json");
  }

  private JsonNode cdiSpec(ClaimRef c) throws IOException {
    return JSON.readTree(Files.readString(cdiFile(c), StandardCharsets.UTF_8));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static <T> T next(BlockingQueue<T> q) throws InterruptedException {
    T t = q.poll(5, TimeUnit.SECONDS);
    assertThat(t).as("a health message within 5 s").isNotNull();
    return t;
  }

  /** A socket file whose listener is gone, as a killed agent leaves it. */
  private static void leaveStaleSocket(Path p) throws IOException {
    Files.createDirectories(p.getParent());
    try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(p));
    }
    assertThat(p).exists();
  }
}
