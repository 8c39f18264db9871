package io.daxtier.agent.ndctl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the {@code ndctl} binary and parses its JSON. */
public final class ProcessNdctl implements Ndctl {

  /** The outcome of one command. */
  public record Result(int exitCode, String stdout) {}

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

  static Result exec(List<String> command, Duration timeout) {
    try {
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(-1, out);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "");
    }
  }
}
