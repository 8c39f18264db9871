package io.daxtier.agent.ndctl;

import io.daxtier.agent.process.Subprocess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the {@code ndctl} binary and parses its JSON. */
public final class ProcessNdctl implements Ndctl {

  /** The outcome of one command; a timed-out command was killed and has exit code -1. */
  public record Result(int exitCode, String stdout, boolean timedOut) {
    public Result(int exitCode, String stdout) {
      this(exitCode, stdout, false);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(ProcessNdctl.class);

  /** Runs a command line; replaced in tests. */
  @FunctionalInterface
  public interface Runner {
    Result run(List<String> command, Duration timeout);
  }

  private final String binary;
  private final Runner runner;

  public ProcessNdctl() {
    this("ndctl", ProcessNdctl::exec);
  }

  public ProcessNdctl(String binary, Runner runner) {
    this.binary = binary;
    this.runner = runner;
  }

  private Result ndctl(Duration timeout, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.addAll(List.of(args));
    return runner.run(cmd, timeout);
  }

  @Override
  public boolean startScrub(String bus) {
    return ndctl(Duration.ofMinutes(1), "start-scrub", bus).exitCode() == 0;
  }

  @Override
  public boolean awaitScrub(String bus, Duration timeout) {
    return ndctl(timeout, "wait-scrub", bus).exitCode() == 0;
  }

  @Override
  public boolean clearErrors(String daxDevice) {
    Result list = ndctl(Duration.ofMinutes(1), "list", "-N");
    Optional<String> ns = NdctlJson.namespaceOf(list.stdout(), daxDevice);
    if (list.exitCode() != 0 || ns.isEmpty()) {
      return false;
    }
    return ndctl(Duration.ofMinutes(30), "clear-errors", ns.get()).exitCode() == 0;
  }

  @Override
  public Optional<String> createNamespace(String region, long size, long align) {
    List<String> args =
        new ArrayList<>(
            List.of("create-namespace", "-r", region, "--mode=devdax", "--align=" + align));
    if (size > 0) {
      args.add("--size=" + size);
    }
    Result r = ndctl(Duration.ofMinutes(5), args.toArray(String[]::new));
    return r.exitCode() == 0 ? NdctlJson.createdDevice(r.stdout()) : Optional.empty();
  }

  @Override
  public boolean overwrite(String dimm) {
    return ndctl(Duration.ofMinutes(5), "sanitize-dimm", "--overwrite", dimm).exitCode() == 0;
  }

  @Override
  public boolean disableRegion(String region) {
    return ndctl(Duration.ofMinutes(5), "disable-region", region).exitCode() == 0;
  }

  @Override
  public boolean enableRegion(String region) {
    return ndctl(Duration.ofMinutes(5), "enable-region", region).exitCode() == 0;
  }

  /**
   * Runs a command under {@link Subprocess}: output drained, the process tree killed at the
   * deadline.
   */
  static Result exec(List<String> command, Duration timeout) {
    Subprocess.Result r = Subprocess.run(command, timeout);
    if (r.timedOut()) {
      LOG.warn(
          "{} timed out after {}; killed it and its child processes",
          String.join(" ", command),
          timeout);
    } else if (r.exitCode() != 0 && !r.stderr().isBlank()) {
      LOG.info("{} failed ({}): {}", String.join(" ", command), r.exitCode(), tail(r.stderr()));
    }
    return new Result(r.exitCode(), r.stdout(), r.timedOut());
  }

  /** The end of a command's stderr, where its error message is, short enough for a log line. */
  static String tail(String stderr) {
    String s = stderr.strip();
    return s.length() <= 400 ? s : "..." + s.substring(s.length() - 400);
  }
}
