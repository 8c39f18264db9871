package io.daxtier.agent.kernel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kill point for crash tests on a real kernel: with {@code DAXTIER_FAULT=halt-after-write:SUFFIX}
 * (optionally {@code :N} for the N-th such write, default 1) the agent's JVM halts, as a SIGKILL
 * would end it, right after a successful write to a path ending in {@code SUFFIX}. Nothing else
 * changes; without the variable the kernel is returned as it is.
 */
public final class FaultInjection extends ForwardingKernel {
  public static final String ENV = "DAXTIER_FAULT";

  /** The exit status of a halted agent (128 + SIGKILL, as a shell reports a killed process). */
  public static final int HALT_STATUS = 137;

  private final String suffix;
  private final int nth;
  private final AtomicInteger seen = new AtomicInteger();

  private FaultInjection(Kernel inner, String suffix, int nth) {
    super(inner);
    this.suffix = suffix;
    this.nth = nth;
  }

  /**
   * {@code kernel} with the kill point {@code spec} describes; {@code kernel} when there is none.
   */
  public static Kernel wrap(Kernel kernel, String spec) {
    if (spec == null || !spec.startsWith("halt-after-write:")) {
      return kernel;
    }
    String[] f = spec.substring("halt-after-write:".length()).split(":");
    int nth = f.length > 1 && f[1].matches("\\d{1,6}") ? Integer.parseInt(f[1]) : 1;
    return f[0].isEmpty() ? kernel : new FaultInjection(kernel, f[0], nth);
  }

  @Override
  public void write(String path, String value) {
    inner.write(path, value);
    if (path.endsWith(suffix) && seen.incrementAndGet() == nth) {
      System.err.printf("fault injection: halting after writing %s to %s%n", value.trim(), path);
      System.err.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }
}
