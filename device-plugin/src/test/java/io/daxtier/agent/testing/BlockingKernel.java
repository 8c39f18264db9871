package io.daxtier.agent.testing;

import io.daxtier.agent.kernel.ForwardingKernel;
import io.daxtier.agent.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A kernel whose write of one value to one path blocks until {@link #release()}, the way a Movable
 * block's offline blocks in the kernel while it migrates pages; every other call passes on.
 */
public final class BlockingKernel extends ForwardingKernel {
  private volatile String path;
  private volatile String value;
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> issued = new ArrayList<>();

  public BlockingKernel(Kernel inner, String path, String value) {
    super(inner);
    this.path = path;
    this.value = value;
  }

  /** Nothing blocks until {@link #block}. */
  public BlockingKernel(Kernel inner) {
    this(inner, null, null);
  }

  /** From now on, writing {@code value} to {@code path} blocks until {@link #release()}. */
  public void block(String path, String value) {
    this.path = path;
    this.value = value;
  }

  @Override
  public void write(String p, String v) {
    synchronized (issued) {
      issued.add(p + " <- " + v);
    }
    if (p.equals(path) && v.equals(value)) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while blocked", e);
      }
    }
    super.write(p, v);
  }

  /** Counts down when the blocking write has started. */
  public CountDownLatch entered() {
    return entered;
  }

  /** Lets the blocked write (and any later one) go on. */
  public void release() {
    release.countDown();
  }

  /** Every write issued to this kernel, as "path <- value", in order. */
  public List<String> issued() {
    synchronized (issued) {
      return List.copyOf(issued);
    }
  }
}
