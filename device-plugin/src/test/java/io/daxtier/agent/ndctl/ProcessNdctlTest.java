package io.daxtier.agent.ndctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ndctl's JSON (object for one result, array for several) and the command lines we run. */
class ProcessNdctlTest {
  static final String LIST_ONE =
      """
      {"dev":"namespace0.0","mode":"devdax","map":"dev","size":1054867456,"uuid":"a","chardev":"dax0.0","align":2097152}
      """;
  static final String LIST_MANY =
      """
      [{"dev":"namespace0.0","mode":"devdax","chardev":"dax0.0"},
       {"dev":"namespace1.0","mode":"devdax","daxregion":{"id":1,"devices":[{"chardev":"dax1.0","mode":"devdax"}]}}]
      """;
  static final String CREATED =
      """
      {"dev":"namespace0.0","mode":"devdax","map":"dev","size":"1006.00 MiB (1054.87 MB)",
       "daxregion":{"id":0,"size":"1006.00 MiB (1054.87 MB)","align":2097152,
         "devices":[{"chardev":"dax0.0","size":"1006.00 MiB (1054.87 MB)","target_node":1,"mode":"devdax"}]},
       "align":2097152}
      """;

  @Test
  void findsTheNamespaceOfADaxDevice() {
    assertThat(NdctlJson.namespaceOf(LIST_ONE, "dax0.0")).hasValue("namespace0.0");
    assertThat(NdctlJson.namespaceOf(LIST_MANY, "dax1.0")).hasValue("namespace1.0");
    assertThat(NdctlJson.namespaceOf(LIST_MANY, "dax9.0")).isEmpty();
    assertThat(NdctlJson.namespaceOf("not json", "dax0.0")).isEmpty();
  }

  @Test
  void readsTheCreatedDevice() {
    assertThat(NdctlJson.createdDevice(CREATED)).hasValue("dax0.0");
  }

  @Test
  void clearErrorsResolvesTheNamespaceFirst() {
    List<List<String>> calls = new ArrayList<>();
    ProcessNdctl n =
        new ProcessNdctl(
            "ndctl",
            (cmd, t) -> {
              calls.add(cmd);
              return new ProcessNdctl.Result(0, cmd.get(1).equals("list") ? LIST_MANY : "");
            });
    assertThat(n.clearErrors("dax1.0")).isTrue();
    assertThat(calls)
        .containsExactly(
            List.of("ndctl", "list", "-N"), List.of("ndctl", "clear-errors", "namespace1.0"));
  }

  @Test
  void missingNdctlOrAnUnsupportedBusIsAFailureNotACrash() {
    ProcessNdctl n = new ProcessNdctl("/nonexistent/ndctl", ProcessNdctl::exec);
    assertThat(n.startScrub("ndbus0")).isFalse();
    assertThat(n.createNamespace("region0", 0, 2097152)).isEmpty();
  }

  /** A fake ndctl: a shell script in {@code dir}. */
  static Path script(Path dir, String body) throws IOException {
    Path f = dir.resolve("ndctl");
    Files.writeString(f, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
    return f;
  }

  /** Alive and not a zombie awaiting its reaper. */
  static boolean running(long pid) throws IOException {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return false;
    }
    String s = Files.readString(stat);
    return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
  }

  @Test
  void aHungNdctlIsKilledWithItsChildrenAtTheDeadline(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("grandchild.pid");
    Path ndctl = script(dir, "sleep 30 &\necho $! > " + pidFile + "\necho started\nsleep 30");
    ProcessNdctl n = new ProcessNdctl(ndctl.toString(), ProcessNdctl::exec);
    Duration timeout = Duration.ofSeconds(1);

    long start = System.nanoTime();
    boolean scrubbed = n.awaitScrub("ndbus0", timeout);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(scrubbed).isFalse();
    assertThat(took).isLessThan(timeout.plusSeconds(3));
    long grandchild = Long.parseLong(Files.readString(pidFile).trim());
    await().atMost(Duration.ofSeconds(3)).until(() -> !running(grandchild));
  }

  @Test
  void aTimeoutIsReportedAsSuch(@TempDir Path dir) throws Exception {
    Path ndctl = script(dir, "echo partial\nsleep 30");
    ProcessNdctl.Result r =
        ProcessNdctl.exec(List.of(ndctl.toString(), "wait-scrub"), Duration.ofMillis(500));
    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(-1);
    assertThat(r.stdout()).isEqualTo("partial\n");
  }

  @Test
  void outputLargerThanAPipeBufferOnBothStreamsDoesNotDeadlock(@TempDir Path dir) throws Exception {
    Path ndctl =
        script(
            dir,
            "head -c 1048576 /dev/zero | tr '\\0' e >&2\n"
                + "head -c 1048576 /dev/zero | tr '\\0' o\n"
                + "exit 3");
    long start = System.nanoTime();
    ProcessNdctl.Result r = ProcessNdctl.exec(List.of(ndctl.toString()), Duration.ofSeconds(20));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(r.timedOut()).isFalse();
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).hasSize(1 << 20).matches("o+");
  }
}
