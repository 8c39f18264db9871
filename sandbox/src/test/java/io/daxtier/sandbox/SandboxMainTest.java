package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The sandbox command end to end, in this JVM (picocli's execute, no System.exit). */
class SandboxMainTest {
  @Test
  void convergesAllocatesAndExitsZero(@TempDir Path tmp) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path kubeconfig = tmp.resolve("sandbox.kubeconfig");
    CommandLine cmd =
        new CommandLine(new SandboxMain())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));

    int code =
        cmd.execute(
            "--exit-after",
            "1s",
            "--interval",
            "500ms",
            "--examples",
            Path.of("..", "examples").toString(),
            "--kubeconfig",
            kubeconfig.toString());

    assertThat(code).as("stdout:%n%s%nstderr:%n%s", out, err).isZero();
    assertThat(out.toString())
        .contains("kubectl --kubeconfig " + kubeconfig.toAbsolutePath())
        .contains("converged as expected")
        .contains("EncryptionRequired")
        .contains("sim-node-2: {daxtier.io/pmem=3}")
        .contains("env DAXTIER_NUMA_NODES=1")
        .contains("env DAXTIER_BYTES=2147483648");
    assertThat(Files.readString(kubeconfig)).contains("server: http://");
  }

  @Test
  void badExamplesDirectoryIsAUsageError(@TempDir Path tmp) {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new SandboxMain())
            .setErr(new PrintWriter(err))
            .execute("--examples", tmp.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("has no simulated-nodes/secure-server.yaml");
  }
}
