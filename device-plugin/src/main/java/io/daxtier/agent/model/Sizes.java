package io.daxtier.agent.model;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing and printing of byte quantities ({@code 4Gi}, {@code 0x1000}) and Go durations. */
public final class Sizes {
  public static final long KIB = 1024L;
  public static final long MIB = KIB * 1024;
  public static final long GIB = MIB * 1024;
  public static final long TIB = GIB * 1024;
  public static final long PAGE = 4096L;
  public static final long SECTOR = 512L;

  private static final Pattern QUANTITY = Pattern.compile("^([0-9]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T)?$");
  private static final Pattern DURATION_PART =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

  private Sizes() {}

  /** Bytes of a quantity ({@code 1Gi}, {@code 512}) or a hex number ({@code 0x8000000}). */
  public static long parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing size");
    }
    String t = text.trim();
    if (t.startsWith("0x") || t.startsWith("0X")) {
      return Long.parseUnsignedLong(t.substring(2), 16);
    }
    Matcher m = QUANTITY.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + text);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    long mul =
        switch (unit) {
          case "" -> 1L;
          case "Ki" -> KIB;
          case "Mi" -> MIB;
          case "Gi" -> GIB;
          case "Ti" -> TIB;
          case "Pi" -> TIB * 1024;
          case "k" -> 1000L;
          case "M" -> 1000_000L;
          case "G" -> 1000_000_000L;
          case "T" -> 1000_000_000_000L;
          default -> throw new IllegalArgumentException("unit " + unit);
        };
    return Math.multiplyExact(n, mul);
  }

  /** Parses hex with or without {@code 0x} (sysfs writes both forms). */
  public static long parseHex(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("0x")) {
      t = t.substring(2);
    }
    return Long.parseUnsignedLong(t, 16);
  }

  /** A Kubernetes-style quantity: the largest binary unit that divides the value exactly. */
  public static String format(long bytes) {
    String[] units = {"Ti", "Gi", "Mi", "Ki"};
    long[] mul = {TIB, GIB, MIB, KIB};
    for (int i = 0; i < units.length; i++) {
      if (bytes != 0 && bytes % mul[i] == 0) {
        return (bytes / mul[i]) + units[i];
      }
    }
    return Long.toString(bytes);
  }

  /** A Go duration ({@code 24h}, {@code 1h30m}, {@code 90s}). */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION_PART.matcher(text.trim());
    long nanos = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        throw new IllegalArgumentException("not a duration: " + text);
      }
      end = m.end();
      double v = Double.parseDouble(m.group(1));
      double unit =
          switch (m.group(2)) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException(text);
          };
      nanos += (long) (v * unit);
    }
    if (end == 0 || end != text.trim().length()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    return Duration.ofNanos(nanos);
  }

  /** {@code 0x...} form of an address. */
  public static String hex(long value) {
    return "0x" + Long.toHexString(value);
  }
}
