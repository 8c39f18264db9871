package io.daxtier.agent.kernel;

import java.util.Locale;

/** The errno values the agent tells apart, with the glibc strerror text Java reports them by. */
public enum Errno {
  EPERM("Operation not permitted"),
  ENOENT("No such file or directory"),
  EIO("Input/output error"),
  ENXIO("No such device or address"),
  EACCES("Permission denied"),
  EBUSY("Device or resource busy"),
  EEXIST("File exists"),
  ENODEV("No such device"),
  EINVAL("Invalid argument"),
  ENOSPC("No space left on device"),
  ENOTTY("Inappropriate ioctl for device"),
  EOPNOTSUPP("Operation not supported"),
  EHWPOISON("Memory page has hardware error"),
  EAGAIN("Resource temporarily unavailable"),
  UNKNOWN("");

  private final String text;

  Errno(String text) {
    this.text = text;
  }

  /** The errno whose strerror text a message contains, or {@link #UNKNOWN}. */
  public static Errno fromMessage(String message) {
    if (message == null) {
      return UNKNOWN;
    }
    String m = message.toLowerCase(Locale.ROOT);
    for (Errno e : values()) {
      if (e != UNKNOWN && m.contains(e.text.toLowerCase(Locale.ROOT))) {
        return e;
      }
    }
    return UNKNOWN;
  }
}
