package io.daxtier.agent.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a child process under a deadline that holds whatever the child does: stdout and stderr are
 * drained concurrently (a child filling one pipe cannot stall), and at the deadline the child's
 * whole process tree is killed.
 */
public final class Subprocess {
  /** How long the output readers may take to see end-of-file once the tree is gone. */
  static final Duration DRAIN_GRACE = Duration.ofSeconds(2);

  /** What a run produced; {@code exitCode} is -1 when the child did not exit by itself. */
  public record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
    /** The child could not be started (or waiting for it was interrupted). */
    static Result notRun(String why) {
      return new Result(-1, "", why, false);
    }
  }

  private Subprocess() {}

  /** Runs {@code command} with no stdin; returns by {@code timeout} plus a short drain grace. */
  public static Result run(List<String> command, Duration timeout) {
    Process p;
    try {
      p = new ProcessBuilder(command).start();
    } catch (IOException e) {
      return Result.notRun(e.getMessage() == null ? e.toString() : e.getMessage());
    }
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // the child may already be gone; its stdin does not matter then
    }
    String name = command.isEmpty() ? "child" : command.get(0);
    FutureTask<String> out = drain(p.getInputStream(), name + "-stdout");
    FutureTask<String> err = drain(p.getErrorStream(), name + "-stderr");
    boolean exited;
    try {
      exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      killTree(p);
      Thread.currentThread().interrupt();
      return Result.notRun("interrupted");
    }
    if (!exited) {
      killTree(p);
    }
    long graceEnd = System.nanoTime() + DRAIN_GRACE.toNanos();
    String stdout = collect(out, graceEnd);
    String stderr = collect(err, graceEnd);
    return exited
        ? new Result(p.exitValue(), stdout, stderr, false)
        : new Result(-1, stdout, stderr, true);
  }

  /**
   * Kills the descendants first (read while the child is alive: once it dies its children are
   * reparented and no longer listed), then the child itself, and reaps it.
   */
  static void killTree(Process p) {
    List<ProcessHandle> tree = p.descendants().toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static FutureTask<String> drain(InputStream in, String threadName) {
    FutureTask<String> task =
        new FutureTask<>(
            () -> {
              ByteArrayOutputStream buf = new ByteArrayOutputStream();
              try (in) {
                in.transferTo(buf);
              } catch (IOException ignored) {
                // the pipe closed under us: keep what was read
              }
              return buf.toString(StandardCharsets.UTF_8);
            });
    Thread t = new Thread(task, threadName);
    t.setDaemon(true);
    t.start();
    return task;
  }

  /**
   * The drained text; empty when a process outside the tree (a grandchild that daemonised itself)
   * still holds the pipe open past the grace.
   */
  private static String collect(FutureTask<String> task, long deadlineNanos) {
    try {
      return task.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return "";
    } catch (ExecutionException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
