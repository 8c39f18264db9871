package io.daxtier.api.rules;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte quantities as the API writes them ({@code 4Gi}, {@code 128Mi}, {@code 1024}, {@code 1G}):
 * parsed and printed the same way by the agent and the operator.
 */
public final class Quantities {
  private static final Pattern QUANTITY = Pattern.compile("^([0-9]+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$");
  private static final String[] BINARY = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};

  private Quantities() {}

  /** The number of bytes {@code text} names, or empty when it is not a quantity (or overflows). */
  public static Optional<Long> bytes(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = QUANTITY.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      long n = Long.parseLong(m.group(1));
      String suffix = m.group(2) == null ? "" : m.group(2);
      long factor =
          switch (suffix) {
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
            case "P" -> 1_000_000_000_000_000L;
            default -> throw new IllegalStateException(suffix);
          };
      return Optional.of(Math.multiplyExact(n, factor));
    } catch (ArithmeticException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The bytes of a quantity.
   *
   * @throws IllegalArgumentException when {@code text} is not a quantity
   */
  public static long parse(String text) {
    return bytes(text).orElseThrow(() -> new IllegalArgumentException("not a size: " + text));
  }

  /** The shortest exact binary quantity for {@code bytes}, e.g. {@code 96Gi} or {@code 1536Mi}. */
  public static String format(long bytes) {
    if (bytes == 0) {
      return "0";
    }
    int i = 0;
    long v = bytes;
    while (i < BINARY.length - 1 && v % 1024 == 0) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%d%s", v, BINARY[i]);
  }
}
