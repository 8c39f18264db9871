package io.daxtier.operator.model;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Go/Kubernetes durations such as {@code 90s}, {@code 1h30m} or {@code 1.5h}. */
public final class GoDurations {
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

  private GoDurations() {}

  /** The duration, or empty when {@code text} is not a duration. */
  public static Optional<Duration> parse(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = PART.matcher(text);
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
    return at == text.length() ? Optional.of(Duration.ofNanos((long) nanos)) : Optional.empty();
  }
}
