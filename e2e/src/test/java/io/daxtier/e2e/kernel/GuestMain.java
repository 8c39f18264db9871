package io.daxtier.e2e.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Command line for scripts (bench/kernel-convert.sh): boots one guest and runs a script file in it.
 *
 * <pre>
 * java -cp e2e/target/test-classes io.daxtier.e2e.kernel.GuestMain \
 *     [--topology server|equal|labelled] [--timeout SECONDS] [--workdir DIR] [--env K=V]...
 *     [--nfit-test true] [--kernel 6.1|6.12] NAME SCRIPT
 * </pre>
 *
 * Prints the run directory (the guest's $OUT); the script's exit code is in its {@code exit_code}.
 */
public final class GuestMain {

  private GuestMain() {}

  /** Entry point; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    GuestTopology topology = GuestTopology.pmemServer();
    Duration timeout = Duration.ofSeconds(300);
    Path workDir = Path.of("target/kernel-run");
    Map<String, String> env = new HashMap<>();
    boolean nfitTest = false;
    String kernelName = null;
    int i = 0;
    for (; i < args.length && args[i].startsWith("--"); i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--topology" ->
            topology =
                switch (value) {
                  case "equal" -> GuestTopology.equalDimms();
                  case "labelled" -> GuestTopology.labelledPmemServer();
                  default -> GuestTopology.pmemServer();
                };
        case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value));
        case "--workdir" -> workDir = Path.of(value);
        case "--nfit-test" -> nfitTest = Boolean.parseBoolean(value);
        case "--kernel" -> kernelName = value;
        case "--env" ->
            env.put(
                value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (args.length - i != 2) {
      throw new IllegalArgumentException("usage: GuestMain [options] NAME SCRIPT");
    }
    KernelImage kernel =
        (kernelName == null ? KernelImage.cached() : KernelImage.named(kernelName))
            .orElseThrow(
                () ->
                    new IllegalStateException("no kernel cached: run .ci/install-kernel-deps.sh"));
    String script = Files.readString(Path.of(args[i + 1]));
    QemuGuest guest = new QemuGuest(kernel, topology, workDir, timeout, env);
    Path dir = (nfitTest ? guest.withNfitTest() : guest).run(args[i], script).dir();
    System.out.println(dir);
  }
}
