package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The safety half on a real kernel: the kernel's NVDIMM test bus (nfit_test: ARS, error injection,
 * clear-errors, DIMM security, overwrite) next to QEMU's NVDIMMs, in one boot (nfit-safety.sh; the
 * security changes come last as only a reboot undoes them). Scenario numbers are the issue's.
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.NfitTestSafetyIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#nfitTestKernels")
class NfitTestSafetyIT {

  /** The kernel of this class invocation (also handed to the boot method). */
  @Parameter KernelImage kernelParameter;

  private static GuestRun run;

  @BeforeParameterizedClassInvocation
  static void boot(KernelImage kernel) throws Exception {
    Map<String, Object> manifests = new LinkedHashMap<>();
    manifests.put(
        "apply-a",
        AgentScenario.node(
            devDax("enc-required", "dax3.0", s -> s.policy.encryption = EncryptionPolicy.Required),
            devDax(
                "enc-preferred", "dax3.1", s -> s.policy.encryption = EncryptionPolicy.Preferred),
            systemRam(
                "enc-unsupported", "dax1.0", s -> s.policy.encryption = EncryptionPolicy.Required),
            systemRam("refused", "dax3.2", s -> {}),
            systemRam("qemu", "dax0.0", s -> {})));
    manifests.put(
        "scrub-clear",
        AgentScenario.node(
            devDax(
                "scrub-clear",
                "dax3.1",
                s -> {
                  s.policy.scrub.beforeOnline = ScrubMode.Required;
                  s.policy.scrub.clearErrors = true;
                })));
    manifests.put(
        "scrub-block",
        AgentScenario.node(
            devDax(
                "scrub-block",
                "dax3.0",
                s -> {
                  s.policy.scrub.beforeOnline = ScrubMode.Required;
                  s.policy.scrub.clearErrors = false;
                  s.policy.scrub.maxBadBlocks = 1;
                })));
    manifests.put(
        "watch",
        AgentScenario.node(
            devDax(
                "watch",
                "dax3.1",
                s -> {
                  s.policy.scrub.beforeOnline = ScrubMode.Required;
                  s.policy.scrub.maxBadBlocks = 4;
                  s.policy.poison.onNewPoison = PoisonAction.MarkUnhealthy;
                })));
    NodePool erase =
        AgentScenario.nodePool(
            "erase",
            NodePoolState.Release,
            s -> {
              s.mode = PoolMode.DevDax;
              s.devices = new DeviceSelector();
              s.devices.regions = List.of("region3");
              s.release.action = ReleaseAction.Erase;
              s.release.confirmErase = true;
            });
    manifests.put("erase-blocked", AgentScenario.node(erase));
    manifests.put("erase", AgentScenario.node(erase));
    manifests.put(
        "unlocked",
        AgentScenario.node(
            devDax("unlocked", "dax3.2", s -> s.policy.encryption = EncryptionPolicy.Required)));
    run = AgentScenario.bootNfitTest(kernel, "nfit-safety", script(), manifests);
  }

  private static NodePool devDax(String name, String device, Consumer<PmemPoolSpec> change) {
    return pool(name, device, PoolMode.DevDax, change);
  }

  private static NodePool systemRam(String name, String device, Consumer<PmemPoolSpec> change) {
    return pool(name, device, PoolMode.SystemRam, change);
  }

  /** A pool over one device; safety rules off unless {@code change} turns them on. */
  private static NodePool pool(
      String name, String device, PoolMode mode, Consumer<PmemPoolSpec> change) {
    return AgentScenario.nodePool(
        name,
        NodePoolState.Active,
        s -> {
          s.mode = mode;
          s.devices = ConvertIT.selecting(List.of(device));
          s.policy.scrub.beforeOnline = ScrubMode.Skip;
          s.policy.encryption = EncryptionPolicy.Disabled;
          s.policy.recoverability = RecoverabilityPolicy.Ignore;
          s.resource.name = "daxtier.io/" + name;
          change.accept(s);
        });
  }

  private static String script() throws IOException {
    try (InputStream in = NfitTestSafetyIT.class.getResourceAsStream("nfit-safety.sh")) {
      if (in == null) {
        throw new IOException("nfit-safety.sh missing from the test resources");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The device's entry in a status file written by the agent. */
  private static JsonNode device(String statusFile, String name) {
    JsonNode status = AgentScenario.json(run, statusFile);
    for (JsonNode d : status.path("devices")) {
      if (d.path("name").asText().equals(name)) {
        return d;
      }
    }
    throw new AssertionError(name + " not in " + statusFile + ": " + status);
  }

  private static List<String> lines(String file) {
    return run.file(file).lines().filter(l -> !l.isBlank()).toList();
  }

  @Test
  void scenario1ScrubGateClearsFoundPoisonAndBlocksWithCountAndRanges() {
    assertThat(AgentScenario.rc(run, "inject-1")).as(run.file("inject-1.err")).isZero();
    List<String> calls = lines("ndctl-calls.scrub.log");
    assertThat(calls).as("the agent's ndctl calls").contains("start-scrub ndbus1");
    assertThat(calls).anyMatch(c -> c.startsWith("wait-scrub ndbus1"));
    assertThat(calls).contains("clear-errors namespace3.1");
    JsonNode cleared = device("status-scrub-clear.json", "dax3.1");
    assertThat(cleared.path("phase").asText()).as(cleared.toString()).isEqualTo("Online");
    assertThat(cleared.path("badBlocks").asInt()).isZero();
    assertThat(run.file("media-after-clear.out")).doesNotContain("badblock");

    JsonNode blocked = device("status-scrub-block.json", "dax3.0");
    assertThat(blocked.path("phase").asText()).as(blocked.toString()).isEqualTo("Blocked");
    assertThat(blocked.path("reason").asText()).isEqualTo("BadBlocks");
    assertThat(blocked.path("message").asText()).startsWith("2 bad-block ranges in dax3.0");
    assertThat(blocked.path("badRanges")).hasSize(2);
    assertThat(calls).doesNotContain("clear-errors namespace3.0");
  }

  @Test
  void scenario2NewPoisonReachesTheRunningAgentsStatusWithinSeconds() {
    JsonNode before = device("status-watch-before.json", "dax3.1");
    assertThat(before.path("phase").asText()).as(before.toString()).isEqualTo("Online");
    assertThat(before.has("unhealthyBytes")).isFalse();
    assertThat(AgentScenario.rc(run, "ars-wait")).isZero();
    long latency = Long.parseLong(run.file("watch-latency-ms").trim());
    // the periodic pass is 10 minutes away: only the badblocks watch can have seen it
    assertThat(latency).as("ms from the end of the ARS to the status").isBetween(0L, 15_000L);
    JsonNode after = device("status-watch-after.json", "dax3.1");
    assertThat(after.path("badBlocks").asInt()).isEqualTo(1);
    assertThat(after.path("unhealthyBytes").asLong()).isPositive();
    assertThat(after.path("phase").asText()).isEqualTo("Online"); // one range is tolerated (max 4)
  }

  @Test
  void scenario3EncryptionGateOnRealDimmSecurityStates() {
    List<String> dimms = Arrays.asList(run.file("region3.dimms").trim().split(" "));
    JsonNode required = device("status-apply-a.json", "dax3.0");
    assertThat(required.path("phase").asText()).as(required.toString()).isEqualTo("Blocked");
    assertThat(required.path("reason").asText()).isEqualTo("EncryptionRequired");
    for (String dimm : dimms) {
      assertThat(required.path("message").asText()).contains(dimm + " disabled");
    }
    JsonNode preferred = device("status-apply-a.json", "dax3.1");
    assertThat(preferred.path("phase").asText()).as(preferred.toString()).isEqualTo("Online");
    assertThat(preferred.path("message").asText()).contains("Encryption:");
    JsonNode unsupported = device("status-apply-a.json", "dax1.0");
    assertThat(unsupported.path("reason").asText()).isEqualTo("EncryptionRequired");
    assertThat(unsupported.path("message").asText()).contains("unsupported");
    assertThat(KernelStateModes.of(run, "after-a")).containsEntry("dax1.0", "devdax");

    assertThat(AgentScenario.rc(run, "passphrase")).as(run.file("passphrase.err")).isZero();
    JsonNode unlocked = device("status-unlocked.json", "dax3.2"); // the one without bad blocks
    assertThat(unlocked.path("phase").asText()).as(unlocked.toString()).isEqualTo("Online");
    List<String> states = new ArrayList<>();
    unlocked.path("dimms").forEach(d -> states.add(d.path("security").asText()));
    assertThat(states).hasSize(4).containsOnly("unlocked");

    assertThat(AgentScenario.rc(run, "freeze")).as(run.file("freeze.err")).isZero();
    JsonNode inventory = AgentScenario.json(run, "inventory.out");
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    inventory.path("dimms").forEach(d -> byName.put(d.path("name").asText(), d));
    assertThat(byName.get(dimms.get(2)).path("frozen").asBoolean()).as(byName.toString()).isTrue();
    assertThat(byName.get(dimms.get(3)).path("security").asText()).isEqualTo("locked");
    assertThat(byName.get("nmem0").has("security")).as("QEMU's DIMM has no security").isFalse();
  }

  @Test
  void scenario4EraseOnlyWhenNothingElseLivesOnTheDimmsThenOverwriteWithRegionsDisabled() {
    JsonNode blocked = device("status-erase-blocked.json", "dax3.0");
    assertThat(blocked.path("reason").asText()).as(blocked.toString()).isEqualTo("EraseUnsafe");
    assertThat(blocked.path("message").asText()).contains("region2");
    assertThat(lines("ndctl-calls.erase-blocked.log")).noneMatch(c -> c.startsWith("sanitize"));

    List<String> dimms = Arrays.asList(run.file("region3.dimms").trim().split(" "));
    List<String> calls = lines("ndctl-calls.erase.log");
    List<String> expected = new ArrayList<>(List.of("disable-region region2"));
    expected.add("disable-region region3");
    dimms.forEach(d -> expected.add("sanitize-dimm --overwrite " + d));
    assertThat(calls).as("ndctl calls of the erase").containsSubsequence(expected);
    assertThat(calls.get(calls.size() - 1)).startsWith("enable-region");
    assertThat(calls).contains("enable-region region2", "enable-region region3");
    JsonNode released = device("status-erase.json", "dax3.0");
    assertThat(released.path("phase").asText()).as(released.toString()).isEqualTo("Released");
    assertThat(lines("security-after-erase")).allSatisfy(l -> assertThat(l).endsWith(" disabled"));
  }

  /**
   * Issue 12: the agent killed (SIGKILL) while a DIMM's overwrite runs in the kernel, after its
   * node record says the overwrite started; the overwrite ends while no agent runs, and the
   * restarted agent (same state dir) counts it done instead of overwriting that DIMM again.
   */
  @Test
  void scenario4AgentKilledMidOverwriteDoesNotRepeatItAfterRestart() {
    List<String> dimms = Arrays.asList(run.file("region3.dimms").trim().split(" "));
    List<String> killed = lines("erase-killed");
    String head = killed.get(0);
    assertThat(head).as("erase-killed").matches("killed nmem\\d+ after .*, exit 137\\)");
    String dimm = head.split(" ")[1];
    assertThat(dimms).as(String.join("\n", killed)).contains(dimm);
    assertThat(head).as("the agent's JVM was the process killed").contains(" java, exit 137)");
    // while the overwrite runs the kernel reads `overwrite` or answers ENOTTY (no flag set)
    assertThat(killed)
        .as("security at the kill (erase-poll.log: %s)", run.file("erase-poll.log"))
        .anyMatch(
            l ->
                l.equals(dimm + " overwrite")
                    || l.startsWith(dimm + " cat:")
                        && l.endsWith("Inappropriate ioctl for device"));
    assertThat(lines("ndctl-calls.erase-killed.log"))
        .as("the killed agent issued it")
        .contains("sanitize-dimm --overwrite " + dimm);
    JsonNode atKill = erase("node-record.erase-killed.json");
    assertThat(atKill.path("started").has(dimm)).as(atKill.toString()).isTrue();
    assertThat(texts(atKill.path("completed"))).doesNotContain(dimm);
    assertThat(run.file("erase-killed-after"))
        .as("the overwrite ended while no agent ran")
        .startsWith(dimm + " disabled");

    assertThat(AgentScenario.rc(run, "erase")).as(AgentScenario.output(run, "erase")).isZero();
    List<String> calls = lines("ndctl-calls.erase.log");
    for (String d : dimms) {
      assertThat(calls.stream().filter(c -> c.equals("sanitize-dimm --overwrite " + d)))
          .as("overwrites of " + d + " in " + calls)
          .hasSize(1);
    }
    assertThat(calls.stream().filter(c -> c.startsWith("sanitize-dimm")))
        .as(calls.toString())
        .hasSize(dimms.size());

    JsonNode status = AgentScenario.json(run, "status-erase.json");
    List<JsonNode> region3 = new ArrayList<>();
    status
        .path("devices")
        .forEach(
            d -> {
              if (d.path("name").asText().startsWith("dax3.")) {
                region3.add(d);
              }
            });
    assertThat(region3)
        .as(status.toString())
        .anyMatch(d -> d.path("name").asText().equals("dax3.0"));
    assertThat(region3)
        .as(status.toString())
        .allSatisfy(d -> assertThat(d.path("phase").asText()).isEqualTo("Released"));

    JsonNode erase = erase("node-record.erase.json");
    assertThat(texts(erase.path("completed")))
        .as(erase.toString())
        .containsExactlyInAnyOrderElementsOf(dimms);
    assertThat(texts(erase.path("issued"))).containsExactlyInAnyOrderElementsOf(dimms);
    dimms.forEach(d -> assertThat(erase.path("started").has(d)).as(d).isTrue());
    // the status's short form of the record says the same
    JsonNode erases = status.path("record").path("erases");
    assertThat(erases).as(status.path("record").toString()).hasSize(1);
    assertThat(texts(erases.get(0).path("completed"))).containsExactlyInAnyOrderElementsOf(dimms);
  }

  /** The one erase in a copy of /tmp/state-erase/node-record.json. */
  private static JsonNode erase(String file) {
    JsonNode record = AgentScenario.json(run, file);
    JsonNode erases = record.path("history").path("erases");
    assertThat(erases.size()).as(file + ": " + record).isEqualTo(1);
    return erases.elements().next();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void scenario5KernelRefusalIsReportedAndTheDeviceGoesBackToDeviceDax() {
    assertThat(AgentScenario.rc(run, "daxctl-refused")).isNotZero();
    assertThat(run.file("dax3.2.after-daxctl").trim()).isEqualTo("none");
    assertThat(run.file("dmesg.txt")).contains("rejecting DAX region with invalid node");
    JsonNode refused = device("status-apply-a.json", "dax3.2");
    assertThat(refused.path("phase").asText()).as(refused.toString()).isEqualTo("Blocked");
    assertThat(refused.path("reason").asText()).isEqualTo("NoTargetNode");
    assertThat(refused.path("message").asText()).contains("kmem driver rejects");
    assertThat(run.file("dax3.2.after-agent").trim()).isEqualTo("device_dax");
  }

  @Test
  void scenario6QemuNvdimmConvertsWhileNfitTestIsLoaded() {
    JsonNode qemu = device("status-apply-a.json", "dax0.0");
    assertThat(qemu.path("phase").asText()).as(qemu.toString()).isEqualTo("Online");
    assertThat(KernelStateModes.of(run, "after-a")).containsEntry("dax0.0", "system-ram");
    assertThat(kb(1)).as("node 1: 7 of the 1 GiB DIMM's 8 blocks online").isEqualTo(917504);
    assertThat(AgentScenario.writes(run, "apply-a.writes"))
        .extracting(AgentScenario.Write::attribute)
        .contains("kmem/new_id")
        .anyMatch(a -> a.endsWith("/state"));
  }

  private static long kb(int node) {
    try {
      return KernelState.read(run, "after-a").kb(node);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The daxctl modes of a {@code state NAME} record. */
  private static final class KernelStateModes {
    static Map<String, String> of(GuestRun run, String name) {
      try {
        return KernelState.read(run, name).modes();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
