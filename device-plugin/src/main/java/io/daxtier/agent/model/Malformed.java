package io.daxtier.agent.model;

/**
 * A kernel attribute whose text is not what the kernel writes: the reason the object it belongs to
 * is reported instead of used.
 *
 * @param path the attribute's kernel path ({@code /sys/...}, {@code /proc/...})
 * @param value what it held, shortened and with control characters escaped
 * @param problem what is wrong with it ("not a decimal number", "outside 0..64")
 */
public record Malformed(String path, String value, String problem) {
  /** The machine-readable reason objects with a malformed attribute are reported with. */
  public static final String REASON = "MalformedSysfs";

  /** Values are kept to this many characters in reports. */
  static final int MAX_VALUE = 64;

  public Malformed {
    value = printable(value);
  }

  /** {@code malformed at PATH: VALUE (PROBLEM)}: the message of a status or an Event. */
  public String message() {
    return "malformed at " + path + ": '" + value + "' (" + problem + ")";
  }

  private static String printable(String v) {
    if (v == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (; i < v.length() && b.length() < MAX_VALUE; i++) {
      char c = v.charAt(i);
      if (c == '\n') {
        b.append("\\n");
      } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        b.append(String.format("\\x%02x", (int) c & 0xff));
      } else {
        b.append(c);
      }
    }
    if (i < v.length()) {
      b.setLength(Math.min(b.length(), MAX_VALUE));
      b.append("...");
    }
    return b.toString();
  }
}
