package io.daxtier.agent.poison;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the agent as soon as a region's bad-block list changes, instead of at the next periodic
 * pass. The kernel rewrites {@code regionN/badblocks} when an ARS or a machine-check notification
 * finds poison and signals it through sysfs_notify(); the JDK has no poll(2) on a sysfs attribute,
 * so the watch re-reads just those attributes (a few bytes each) every tick and triggers a pass on
 * any change. Without {@link #prime()}, the first tick only records the lists.
 */
public final class BadBlocksWatch implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(BadBlocksWatch.class);
  private final Kernel kernel;
  private final Runnable onChange;

  /** The shortest time without a tick after which the watch counts as stuck. */
  static final Duration MIN_STALE = Duration.ofSeconds(30);

  private final Clock clock;
  private final AtomicReference<Instant> lastTick = new AtomicReference<>();
  private Map<String, String> last;

  /**
   * {@code onChange} runs on the watch's own thread: it hands a pass to the pass thread and returns
   * (it never waits for the pass, so a long pass does not hold the watch).
   */
  public BadBlocksWatch(Kernel kernel, Runnable onChange) {
    this(kernel, onChange, Clock.systemUTC());
  }

  public BadBlocksWatch(Kernel kernel, Runnable onChange, Clock clock) {
    this.kernel = kernel;
    this.onChange = onChange;
    this.clock = clock;
  }

  /**
   * Records the lists as they are now; call it before the first pass starts, so a change during
   * that pass (which may take long: an ARS, the device plugin's start) is not mistaken for the
   * starting point.
   */
  public BadBlocksWatch prime() {
    last = read();
    return this;
  }

  @Override
  public void run() {
    try {
      Map<String, String> now = read();
      boolean changed = last != null && !now.equals(last);
      last = now;
      if (changed) {
        LOG.info("bad-block lists changed: a pass now");
        onChange.run();
      }
    } catch (RuntimeException e) {
      // a periodic task that throws is never run again: log it and tick on
      LOG.warn("bad-block watch: {}", e.toString());
    }
    lastTick.set(clock.instant());
  }

  /** When the watch last finished a tick (null before the first). */
  public Instant lastTick() {
    return lastTick.get();
  }

  /**
   * Liveness of the watch's thread: a tick finished within three ticks of {@code now}, and never
   * less than {@link #MIN_STALE} (a GC pause or a busy node delays a 1 s tick). True before the
   * first tick.
   */
  public boolean live(Duration tick, Instant now) {
    Instant l = lastTick.get();
    Duration stale = tick.multipliedBy(3);
    if (stale.compareTo(MIN_STALE) < 0) {
      stale = MIN_STALE;
    }
    return l == null || l.isAfter(now.minus(stale));
  }

  private Map<String, String> read() {
    Map<String, String> lists = new HashMap<>();
    for (String name : kernel.list(KernelPaths.ND_DEVICES)) {
      if (name.startsWith("region")) {
        kernel
            .read(KernelPaths.ND_DEVICES + "/" + name + "/badblocks")
            .ifPresent(v -> lists.put(name, v));
      }
    }
    return lists;
  }
}
