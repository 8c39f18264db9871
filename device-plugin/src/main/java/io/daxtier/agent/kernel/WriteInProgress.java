package io.daxtier.agent.kernel;

/**
 * A sysfs write that has not returned within its deadline, or that was not issued because an
 * earlier write to the same path has not returned yet. The write goes on in the kernel (a Movable
 * block's offline migrates pages for as long as it takes); the caller reports the device in
 * progress and reads the outcome from sysfs on a later pass. Not a {@link KernelException}: the
 * kernel has not refused anything.
 */
public final class WriteInProgress extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String path;

  public WriteInProgress(String path, String message) {
    super(message);
    this.path = path;
  }

  public String path() {
    return path;
  }
}
