package io.daxtier.api.rules;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go/Kubernetes durations such as {@code 90s}, {@code 1h30m} or {@code 1.5h}. */
public final class GoDurations {
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

  private GoDurations() {}

  /** The duration, or empty when {@code text} (surrounding blanks ignored) is not a duration. */
  public static Optional<Duration> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    String t = text.trim();
    Matcher m = PART.matcher(t);
    int at = 0;
    double nanos = 0;
    while (m.find()) {
      if (m.start() != at) {
        return Optional.empty();
      }
      at = m.end();
      double v = Double.parseDouble(m.group(1));
      nanos +=
          v
              * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> throw new IllegalStateException(m.group(2));
              };
    }
    return at == t.length() ? Optional.of(Duration.ofNanos((long) nanos)) : Optional.empty();
  }

  /**
   * The duration.
   *
   * @throws IllegalArgumentException when {@code text} is not a duration
   */
  public static Duration parseOrThrow(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException("not a duration: " + text));
  }
}
