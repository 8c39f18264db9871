package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.daxtier.api.v1alpha1.PmemPool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded API serves the daxtier CRDs to Fabric8 and, where kubectl exists, to kubectl. */
class EmbeddedApiServerTest {
  static EmbeddedApiServer api;

  @BeforeAll
  static void start() {
    api = EmbeddedApiServer.start(0);
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void servesPmemPoolsWithTheStatusSubresource() {
    PmemPool pool = new PmemPool();
    pool.getMetadata().setName("p1");
    api.client().resource(pool).create();
    PmemPool stored = api.client().resources(PmemPool.class).withName("p1").get();
    assertThat(stored.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(api.crds()).hasSize(2);
  }

  @Test
  void kubectlCanApplyAndListPools(@TempDir Path tmp) throws Exception {
    Path kubectl = Path.of("/usr/bin/kubectl");
    assumeTrue(
        Files.isExecutable(kubectl), "kubectl not installed: the client-side part is skipped");
    Path kubeconfig = api.writeKubeconfig(tmp.resolve("sandbox.kubeconfig"));

    Result applied =
        run(kubectl, kubeconfig, "apply", "--validate=false", "-f", "../examples/cxl-pool.yaml");
    assertThat(applied.exit).as(applied.output).isZero();
    assertThat(api.client().resources(PmemPool.class).withName("cxl").get()).isNotNull();

    Result listed = run(kubectl, kubeconfig, "get", "pmempools");
    assertThat(listed.exit).as(listed.output).isZero();
    assertThat(listed.output).contains("cxl").contains("MODE").contains("SystemRam");
  }

  record Result(int exit, String output) {}

  private static Result run(Path kubectl, Path kubeconfig, String... args)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(done ? p.exitValue() : -1, out);
  }
}
