package io.daxtier.e2e.kernel;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the real-kernel ITs need from the host: QEMU, ndctl, daxctl, busybox and the cached kernel.
 * Only a missing QEMU on a developer machine skips; under {@code CI=true}, or with QEMU present but
 * another piece missing, the test fails and says how to install it.
 */
public final class RealKernel {

  private static final String INSTALL =
      "run `sudo .ci/install-kernel-deps.sh` (installs qemu-system-x86, ndctl, daxctl,"
          + " busybox-static, cpio, kmod and caches Debian's kernel)";

  private RealKernel() {}

  /** Where the runs' shares, console logs and the initramfs cache go. */
  public static Path workDir() {
    return Path.of(System.getProperty("daxtier.kernelWorkDir", "target/kernel-it"));
  }

  /** The agent's fat jar, built by the device-plugin module. */
  public static Path agentJar() {
    return Path.of(
            System.getProperty("daxtier.agentJar", "../device-plugin/target/daxtier-agent.jar"))
        .toAbsolutePath()
        .normalize();
  }

  /** A guest ready to boot, or a skipped (developer machine) / failed (CI) test. */
  public static QemuGuest guest(GuestTopology topology, Duration scriptTimeout) {
    Map<String, String> env = new HashMap<>();
    if (staged != null) {
      env.put("AGENT_JAR", staged.toString());
      agentClassArchive(staged).ifPresent(jsa -> env.put("AGENT_CDS", jsa.toString()));
    }
    return new QemuGuest(requireKernel(), topology, workDir(), scriptTimeout, env);
  }

  private static Optional<Path> agentCds;

  /**
   * A class-data-sharing archive of the agent, dumped on the host by a simulated apply: the guest
   * runs the same JDK and jar path, and loading pre-parsed, pre-verified classes saves about a
   * third of each agent start under TCG. Absent if the dump fails; a stale archive is ignored by
   * the JVM (-Xshare:auto).
   */
  static synchronized Optional<Path> agentClassArchive(Path jar) {
    if (agentCds != null) {
      return agentCds;
    }
    agentCds = Optional.empty();
    Path root = agentJar().getParent().getParent().getParent();
    Path node = root.resolve("examples/simulated-nodes/qemu-nvdimm.yaml");
    Path pool = root.resolve("examples/basic-pool.yaml");
    if (!Files.isReadable(jar) || !Files.isReadable(node) || !Files.isReadable(pool)) {
      return agentCds;
    }
    try {
      Path jsa =
          Files.createDirectories(workDir().resolve("agent-cds"))
              .toAbsolutePath()
              .resolve(Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + ".jsa");
      if (!Files.exists(jsa)) {
        Process p =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-XX:ArchiveClassesAtExit=" + jsa,
                    "-jar",
                    jar.toString(),
                    "--simulate",
                    node.toString(),
                    "apply",
                    "-f",
                    pool.toString())
                .redirectErrorStream(true)
                .redirectOutput(workDir().resolve("agent-cds/dump.log").toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      agentCds = Files.isReadable(jsa) ? Optional.of(jsa) : Optional.empty();
    } catch (IOException e) {
      agentCds = Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return agentCds;
  }

  /**
   * Requires a runnable agent jar: skips (never passes silently) while it has not been built; a jar
   * that does not start ({@code --help} fails on the host) skips on a developer machine and fails
   * under {@code CI=true}.
   */
  public static synchronized Path requireAgentJar() throws IOException, InterruptedException {
    Path source = agentJar();
    if (!Files.isReadable(source)) {
      abort("the agent jar " + source + " is missing: build module device-plugin first");
    }
    if (staged == null) {
      staged = stage(source);
      agentProblem = startProblem(staged);
    }
    Path jar = staged;
    if (!agentProblem.isEmpty()) {
      String message = "the agent jar " + jar + " does not start: " + agentProblem;
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      abort(message);
    }
    return jar;
  }

  private static String agentProblem;
  private static Path staged;

  /**
   * A private copy of the agent jar, taken once per test JVM: the guests read it over 9p while the
   * jar in device-plugin/target may be rebuilt, and a jar rewritten under a running JVM fails with
   * NoClassDefFoundError.
   */
  private static Path stage(Path source) throws IOException {
    Path dir = Files.createDirectories(workDir().resolve("agent")).toAbsolutePath();
    String stamp = Files.size(source) + "-" + Files.getLastModifiedTime(source).toMillis();
    Path copy = dir.resolve("daxtier-agent-" + stamp + ".jar");
    if (!Files.exists(copy)) {
      Path part = dir.resolve(copy.getFileName() + ".part");
      Files.copy(source, part, StandardCopyOption.REPLACE_EXISTING);
      Files.move(part, copy, StandardCopyOption.ATOMIC_MOVE);
    }
    return copy;
  }

  /** Empty when {@code java -jar JAR --help} exits 0, else its exit code and first lines. */
  private static String startProblem(Path jar) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Dslf4j.internal.verbosity=ERROR",
                "-jar",
                jar.toString(),
                "--help")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "--help did not finish in 60 s";
    }
    return p.exitValue() == 0
        ? ""
        : "--help exited " + p.exitValue() + ": " + out.lines().limit(3).toList();
  }

  /**
   * The guest with the kernel's NVDIMM test bus (nfit_test) loadable: fails when it has not been
   * built for the cached kernel (under CI, and wherever QEMU is installed), since {@code .ci/run}
   * builds it.
   */
  public static QemuGuest nfitTestGuest(GuestTopology topology, Duration scriptTimeout) {
    QemuGuest guest = guest(topology, scriptTimeout);
    if (requireKernel().nfitTestModulesDir().isEmpty()) {
      fail(
          "nfit_test is not built for "
              + requireKernel().abi()
              + ": run `sudo .ci/build-nfit-test.sh` (after .ci/install-kernel-deps.sh)");
    }
    return guest.withNfitTest();
  }

  static KernelImage requireKernel() {
    if (QemuGuest.qemuBinary().isEmpty()) {
      String message = "qemu-system-x86_64 is not installed: " + INSTALL;
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      abort(message);
    }
    for (String tool : new String[] {"ndctl", "daxctl", "modprobe", "cpio"}) {
      if (QemuGuest.onPath(tool).isEmpty()) {
        missing(tool + " is not installed");
      }
    }
    if (!Files.isExecutable(Initramfs.BUSYBOX)) {
      missing("busybox-static is not installed (" + Initramfs.BUSYBOX + ")");
    }
    Optional<KernelImage> kernel = KernelImage.cached();
    if (kernel.isEmpty()) {
      missing("no kernel cached in " + KernelImage.cacheDir());
    }
    return kernel.orElseThrow();
  }

  private static void missing(String what) {
    fail(what + ": " + INSTALL);
  }
}
