package io.daxtier.e2e.kernel;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

  /**
   * The kernels the ITs run on, each a class parameter ({@code @ParameterizedClass} with this
   * method as its source, the kernel in the test name): every kernel the install script cached (6.1
   * and 6.12 where the archive has them), narrowed by {@code DAXTIER_KERNELS}. Skips on a developer
   * machine without QEMU; fails under CI or when QEMU is there but the rest is not.
   */
  public static List<KernelImage> kernels() {
    requireTools();
    List<KernelImage> kernels = KernelImage.all();
    if (kernels.isEmpty()) {
      missing("no kernel cached in " + KernelImage.cacheDir());
    }
    return kernels;
  }

  /**
   * The kernels with the NVDIMM test bus built: a kernel the build script skipped (it says why in
   * {@code nfit_test/SKIPPED}) is left out with that reason; one neither built nor skipped fails,
   * and so does an empty list, since {@code .ci/run} builds it for at least one kernel.
   */
  public static List<KernelImage> nfitTestKernels() {
    List<KernelImage> built = new ArrayList<>();
    for (KernelImage kernel : kernels()) {
      if (kernel.nfitTestModulesDir().isPresent()) {
        built.add(kernel);
      } else if (kernel.nfitTestSkipReason().isPresent()) {
        System.err.println(
            "nfit_test ITs skip " + kernel + ": " + kernel.nfitTestSkipReason().orElseThrow());
      } else {
        fail(
            "nfit_test is not built for "
                + kernel
                + ": run `sudo .ci/build-nfit-test.sh` (after .ci/install-kernel-deps.sh)");
      }
    }
    if (built.isEmpty()) {
      fail("nfit_test is built for none of " + KernelImage.all() + ": see .ci/build-nfit-test.sh");
    }
    return built;
  }

  /** A guest ready to boot on {@code kernel}. */
  public static QemuGuest guest(
      KernelImage kernel, GuestTopology topology, Duration scriptTimeout) {
    Map<String, String> env = new HashMap<>();
    if (staged != null) {
      env.put("AGENT_JAR", staged.toString());
      agentClassArchive(staged).ifPresent(jsa -> env.put("AGENT_CDS", jsa.toString()));
    }
    return new QemuGuest(kernel, topology, workDir(), scriptTimeout, env);
  }

  private static Optional<Path> agentCds;

  /**
   * A class-data-sharing archive of the agent, dumped on the host: the guest runs the same JDK and
   * jar path, and loading pre-parsed, pre-verified classes saves about a third of each agent start
   * under TCG. The training run is an {@code apply} converting dax0.0 through the host kernel path
   * ({@code --root}) on a copy of the committed 6.1 devdax sysfs fixture, so the archive holds what
   * the guest's conversion loads: HostKernel, the JDK's file-channel write and directory-stream
   * classes, the executor, its refusal handling (on plain files the blocks never appear, so the run
   * ends KmemBindFailed, which is expected). Without the fixture it falls back to a simulated
   * apply. Absent if the dump fails; a stale archive is ignored by the JVM (-Xshare:auto).
   */
  static synchronized Optional<Path> agentClassArchive(Path jar) {
    if (agentCds != null) {
      return agentCds;
    }
    agentCds = Optional.empty();
    Path root = agentJar().getParent().getParent().getParent();
    Path fixture =
        Path.of(
                System.getProperty(
                    "daxtier.fixtureDir",
                    root.resolve("device-plugin/src/test/resources/sysfs-fixtures").toString()))
            .resolve("qemu-6.1-nvdimm/devdax");
    Path node = root.resolve("examples/simulated-nodes/qemu-nvdimm.yaml");
    Path pool = root.resolve("examples/basic-pool.yaml");
    if (!Files.isReadable(jar) || !Files.isReadable(node) || !Files.isReadable(pool)) {
      return agentCds;
    }
    try {
      Path dir = Files.createDirectories(workDir().resolve("agent-cds")).toAbsolutePath();
      Path jsa =
          dir.resolve(
              "host-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + ".jsa");
      if (!Files.exists(jsa)) {
        List<String> cmd =
            new ArrayList<>(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-XX:ArchiveClassesAtExit=" + jsa,
                    "-jar",
                    jar.toString()));
        if (Files.isReadable(fixture.resolve("MANIFEST.tsv"))) {
          Path tree = dir.resolve("sysfs-devdax");
          PathTrees.delete(tree);
          materializeFixture(fixture, tree);
          Path training = dir.resolve("convert-dax0.0.yaml");
          Files.writeString(training, TRAINING_POOL);
          cmd.addAll(List.of("--root", tree.toString(), "apply", "-f", training.toString()));
        } else {
          cmd.addAll(List.of("--simulate", node.toString(), "apply", "-f", pool.toString()));
        }
        Process p =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dump.log").toFile())
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

  /** The class-data training run's pool: convert dax0.0 with no gate that needs ndctl. */
  private static final String TRAINING_POOL =
      """
      apiVersion: daxtier.io/v1alpha1
      kind: PmemPool
      metadata:
        name: cds-training
      spec:
        mode: SystemRam
        devices:
          daxDevices: [dax0.0]
        online:
          zone: Movable
        policy:
          scrub:
            beforeOnline: Skip
          encryption: Disabled
          recoverability: Ignore
      """;

  /**
   * Writes a committed sysfs fixture ({@code MANIFEST.tsv} + {@code files/}) out as a tree the
   * agent's {@code --root} reads: directories, files, symlinks, and the write-only attributes
   * ({@code bind}, {@code new_id}, ...) as empty files; unreadable attributes stay absent.
   */
  static void materializeFixture(Path fixture, Path tree) throws IOException {
    for (String line : Files.readAllLines(fixture.resolve("MANIFEST.tsv"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      Path p = tree.resolve(f[2]);
      switch (f[0]) {
        case "d" -> Files.createDirectories(p);
        case "f" -> {
          Files.createDirectories(p.getParent());
          Files.copy(fixture.resolve("files").resolve(f[2]), p);
        }
        case "l" -> {
          Files.createDirectories(p.getParent());
          Files.createSymbolicLink(p, Path.of(f[3]));
        }
        case "e" -> {
          if ((Integer.parseInt(f[1], 8) & 0444) == 0) {
            Files.createDirectories(p.getParent());
            Files.createFile(p);
          }
        }
        default -> {
          // an entry type this harness does not know: left out
        }
      }
    }
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
  private static volatile Path staged; // written under the class lock, read by guest()

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

  /** The guest on {@code kernel} with the kernel's NVDIMM test bus (nfit_test) loadable. */
  public static QemuGuest nfitTestGuest(
      KernelImage kernel, GuestTopology topology, Duration scriptTimeout) {
    return guest(kernel, topology, scriptTimeout).withNfitTest();
  }

  static void requireTools() {
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
  }

  private static void missing(String what) {
    fail(what + ": " + INSTALL);
  }
}
