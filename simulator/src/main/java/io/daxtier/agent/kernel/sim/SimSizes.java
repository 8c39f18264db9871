package io.daxtier.agent.kernel.sim;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as node descriptions and sysfs write them: the API's quantities ({@code 4Gi}, {@code
 * 1G}, {@code 512}; the same grammar as {@code io.daxtier.api.rules.Quantities}, which the agent's
 * {@code Sizes} uses: the simulator does not depend on the API module) and hex numbers.
 */
final class SimSizes {
  static final long MIB = 1024L * 1024;
  static final long PAGE = 4096L;

  private static final Pattern QUANTITY = Pattern.compile("^([0-9]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$");

  private SimSizes() {}

  /** Bytes of a quantity or of a {@code 0x} hex number. */
  static long parse(String text) {
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
    try {
      long factor =
          switch (m.group(2) == null ? "" : m.group(2)) {
            case "" -> 1L;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "Pi" -> 1L << 50;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> 1_000_000_000_000_000L; // P
          };
      return Math.multiplyExact(Long.parseLong(m.group(1)), factor);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("not a size: " + text, e);
    }
  }

  /** Hex with or without {@code 0x} (sysfs takes both). */
  static long parseHex(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("0x")) {
      t = t.substring(2);
    }
    return Long.parseUnsignedLong(t, 16);
  }

  /** {@code 0x...} form of an address. */
  static String hex(long value) {
    return "0x" + Long.toHexString(value);
  }
}
