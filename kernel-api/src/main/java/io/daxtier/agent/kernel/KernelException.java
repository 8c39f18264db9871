package io.daxtier.agent.kernel;

/** The kernel refused a write (or a module load): the path, the value and the errno. */
public class KernelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final String value;
  private final Errno errno;

  public KernelException(String path, String value, Errno errno, String detail) {
    super(
        "write '"
            + value
            + "' to "
            + path
            + " failed: "
            + errno
            + (detail == null ? "" : " (" + detail + ")"));
    this.path = path;
    this.value = value;
    this.errno = errno;
  }

  public String path() {
    return path;
  }

  public String value() {
    return value;
  }

  public Errno errno() {
    return errno;
  }
}
