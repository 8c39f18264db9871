package io.daxtier.agent.kernel;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a deadline on the sysfs writes that can block in the kernel: a memory block's {@code state}
 * (offlining a Movable block migrates its pages, which can take minutes) and the dax drivers'
 * {@code bind}, {@code unbind}, {@code new_id} and {@code remove_id} (they add or remove the
 * memory). Such a write runs on a worker thread; the caller waits at most the deadline, then gets a
 * {@link WriteInProgress} while the write goes on. Until that write returns, a second write to the
 * same path is not issued (also a {@link WriteInProgress}): the caller reads sysfs to learn how it
 * ended. Every other call goes straight to the wrapped kernel on the caller's thread.
 */
public final class DeadlineKernel extends ForwardingKernel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeadlineKernel.class);

  /** The default deadline of a blocking write ({@code --write-deadline}). */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  private final Duration deadline;
  private final ExecutorService workers;

  /** The writes that have not returned, by path: what was written and since when. */
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  private record Pending(String value, Instant since) {}

  public DeadlineKernel(Kernel inner, Duration deadline) {
    super(inner);
    this.deadline = deadline;
    AtomicInteger n = new AtomicInteger();
    // One thread per write in flight; at most one write per path is ever in flight, so a hung
    // kernel holds at most one thread per memory block or driver file. Daemon threads: a write
    // stuck in the kernel does not keep the JVM from exiting.
    this.workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "daxtier-sysfs-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Whether a write to this path can block long enough to need a deadline. */
  static boolean mayBlock(String path) {
    if (path.startsWith(KernelPaths.MEMORY + "/memory") && path.endsWith("/state")) {
      return true;
    }
    for (String driver : List.of(KernelPaths.KMEM, KernelPaths.DEVICE_DAX)) {
      String dir = KernelPaths.DAX_DRIVERS + "/" + driver + "/";
      if (path.startsWith(dir)) {
        String file = path.substring(dir.length());
        return file.equals("bind")
            || file.equals("unbind")
            || file.equals("new_id")
            || file.equals("remove_id");
      }
    }
    return false;
  }

  @Override
  public void write(String path, String value) {
    if (!mayBlock(path)) {
      inner.write(path, value);
      return;
    }
    Pending mine = new Pending(value, Instant.now());
    Pending earlier = pending.putIfAbsent(path, mine);
    if (earlier != null) {
      throw new WriteInProgress(
          path,
          "write '"
              + earlier.value()
              + "' to "
              + path
              + " still in the kernel since "
              + earlier.since()
              + "; '"
              + value
              + "' not written");
    }
    CompletableFuture<Void> done;
    try {
      done =
          CompletableFuture.runAsync(() -> inner.write(path, value), workers)
              .whenComplete((v, t) -> pending.remove(path, mine));
    } catch (RuntimeException e) {
      pending.remove(path, mine); // rejected: closed
      throw e;
    }
    try {
      done.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn(
          "write '{}' to {} has not returned after {}: left to the kernel", value, path, deadline);
      done.whenComplete(
          (v, t) ->
              LOG.info(
                  "write '{}' to {} returned after the deadline{}",
                  value,
                  path,
                  t == null ? "" : ": " + t.getMessage()));
      throw new WriteInProgress(
          path,
          "write '"
              + value
              + "' to "
              + path
              + " has not returned after "
              + deadline
              + " (left to the kernel)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WriteInProgress(
          path, "write '" + value + "' to " + path + ": interrupted while waiting for it");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r; // the kernel's refusal, as if written on this thread
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (CancellationException e) {
      throw new WriteInProgress(path, "write '" + value + "' to " + path + ": cancelled");
    }
  }

  /** The paths with a write that has not returned (for status and tests). */
  public java.util.Set<String> pending() {
    return java.util.Set.copyOf(pending.keySet());
  }

  /** The wrapped kernel (a simulated kernel's test hooks). */
  public Kernel inner() {
    return inner;
  }

  /** Stops the workers; a write still in the kernel is not waited for. */
  @Override
  public void close() {
    workers.shutdownNow();
  }
}
