package io.daxtier.agent.model;

import io.daxtier.api.rules.GoDurations;
import io.daxtier.api.rules.Quantities;
import java.time.Duration;
import java.util.Locale;

/**
 * Byte sizes as the agent meets them: the API's quantities and durations (parsed by the shared
 * rules in {@code io.daxtier.api.rules}) and the kernel's hex numbers, plus the sizes it computes
 * with.
 */
public final class Sizes {
  public static final long KIB = 1024L;
  public static final long MIB = KIB * 1024;
  public static final long GIB = MIB * 1024;
  public static final long TIB = GIB * 1024;
  public static final long PAGE = 4096L;
  public static final long SECTOR = 512L;

  private Sizes() {}

  /**
   * Bytes of a quantity ({@code 1Gi}, {@code 512}; the API's rule, {@link Quantities}) or a hex
   * number as sysfs writes it ({@code 0x8000000}).
   */
  public static long parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("missing size");
    }
    String t = text.trim();
    if (t.startsWith("0x") || t.startsWith("0X")) {
      return Long.parseUnsignedLong(t.substring(2), 16);
    }
    return Quantities.parse(t);
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
    return Quantities.format(bytes);
  }

  /**
   * A Go duration ({@code 24h}, {@code 1h30m}, {@code 90s}): the API's rule, {@link GoDurations}.
   */
  public static Duration parseDuration(String text) {
    return GoDurations.parseOrThrow(text);
  }

  /** {@code 0x...} form of an address. */
  public static String hex(long value) {
    return "0x" + Long.toHexString(value);
  }
}
