package io.daxtier.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.OnlineSpec;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import io.daxtier.api.v1alpha1.Zone;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 7: releasing with {@code Offline} returns the device to devdax and shrinks its node
 * back; with a block held busy the release reports EBUSY and forces nothing (kmem stays bound: a
 * kmem unbind with blocks online would leak the range until reboot, real-kernel-notes finding 4).
 */
// its kernels one after the other (one static guest run); other IT classes side by side
@ResourceLock("io.daxtier.e2e.kernel.ReleaseIT")
@ParameterizedClass(name = "[{0}]")
@MethodSource("io.daxtier.e2e.kernel.RealKernel#kernels")
class ReleaseIT {

  @Parameter KernelImage kernel;

  @Test
  void offlineReleaseReturnsTheDeviceAndABusyBlockIsReportedNotForced() throws Exception {
    PmemPool movable = offlinePool("release-movable", "dax0.0", Zone.Movable);
    PmemPool normal = offlinePool("release-normal", "dax1.0", Zone.Normal);
    GuestRun run =
        AgentScenario.boot(
            kernel,
            "release",
            """
            devdax_namespaces
            step apply-a agent apply -f "$OUT/movable.yaml"
            state a-online
            writes_begin
            step release-a agent apply -f "$OUT/movable-release.yaml"
            writes_end release-a.writes
            state a-released
            step apply-b agent apply -f "$OUT/normal.yaml"
            state b-online
            # Page tables of processes bound to node 2 are unmovable kernel memory; in a Normal
            # zone they make offlining their block fail with EBUSY.
            numactl --membind=2 sleep 900 &
            holder1=$!
            numactl --membind=2 sleep 900 &
            holder2=$!
            sleep 1
            writes_begin
            step release-b timeout 300 "$JAVA" $JAVA_OPTS ${AGENT_CDS:+-XX:SharedArchiveFile=$AGENT_CDS} -jar "$AGENT_JAR" apply -f "$OUT/normal-release.yaml"
            writes_end release-b.writes
            state b-busy
            kill "$holder1" "$holder2"
            """,
            Map.of(
                "movable",
                movable,
                "movable-release",
                AgentScenario.releasing(movable),
                "normal",
                normal,
                "normal-release",
                AgentScenario.releasing(normal)));

    assertThat(AgentScenario.rc(run, "apply-a")).as(AgentScenario.output(run, "apply-a")).isZero();
    assertThat(KernelState.read(run, "a-online").kb(1)).isEqualTo(7 * 128 * 1024L);
    assertThat(AgentScenario.rc(run, "release-a"))
        .as(AgentScenario.output(run, "release-a"))
        .isZero();
    KernelState released = KernelState.read(run, "a-released");
    assertThat(released.modes()).containsEntry("dax0.0", "devdax");
    assertThat(released.kb(1)).as("node 1 memory after release").isZero();
    assertThat(released.blocksOf("dax0.0")).as("blocks hot-removed").isEmpty();
    List<String> writes =
        AgentScenario.writes(run, "release-a.writes").stream()
            .map(AgentScenario.Write::attribute)
            .toList();
    assertThat(writes).contains("kmem/unbind");
    int lastOffline = 0;
    for (int i = 0; i < writes.size(); i++) {
      if (writes.get(i).matches("memory\\d+/state")) {
        lastOffline = i;
      }
    }
    assertThat(writes.indexOf("kmem/unbind"))
        .as("offline before unbind: %s", writes)
        .isGreaterThan(lastOffline);

    assertThat(AgentScenario.rc(run, "apply-b")).as(AgentScenario.output(run, "apply-b")).isZero();
    assertThat(KernelState.read(run, "b-online").blocksOf("dax1.0"))
        .allMatch(b -> b.zone().equals("Normal"));
    assertThat(AgentScenario.rc(run, "release-b")).as("release with a busy block").isNotZero();
    assertThat(AgentScenario.output(run, "release-b").toLowerCase()).contains("busy");
    KernelState busy = KernelState.read(run, "b-busy");
    assertThat(busy.modes()).as("not forced").containsEntry("dax1.0", "system-ram");
    assertThat(busy.blocksOf("dax1.0")).anyMatch(b -> b.state().equals("online"));
    assertThat(busy.kb(2)).isPositive();
    assertThat(AgentScenario.writes(run, "release-b.writes"))
        .extracting(AgentScenario.Write::attribute)
        .doesNotContain("kmem/unbind", "kmem/remove_id");
  }

  private static PmemPool offlinePool(String name, String device, Zone zone) {
    return AgentScenario.pool(
        name,
        s -> {
          s.devices = ConvertIT.selecting(List.of(device));
          s.online = new OnlineSpec();
          s.online.zone = zone;
          s.policy.scrub.beforeOnline = ScrubMode.Skip;
          s.release.action = ReleaseAction.Offline;
        });
  }
}
