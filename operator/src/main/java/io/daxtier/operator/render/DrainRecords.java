package io.daxtier.operator.render;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Codec for the {@value #ANNOTATION} annotation on a PmemNode: {@code pool=started[/abandoned]}
 * entries separated by commas, instants in RFC 3339. Pool names are DNS subdomains, so they never
 * contain the separators.
 */
public final class DrainRecords {
  /** PmemNode annotation holding every drain the operator runs or ran on the node. */
  public static final String ANNOTATION = "daxtier.io/drains";

  private DrainRecords() {}

  /** The records in {@code value}; malformed entries are skipped (the drain then restarts). */
  public static Map<String, DrainRecord> parse(String value) {
    Map<String, DrainRecord> out = new TreeMap<>();
    if (value == null || value.isBlank()) {
      return out;
    }
    for (String entry : value.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String[] times = entry.substring(eq + 1).split("/");
      try {
        Instant started = Instant.parse(times[0]);
        Instant abandoned = times.length > 1 ? Instant.parse(times[1]) : null;
        out.put(entry.substring(0, eq), new DrainRecord(started, abandoned));
      } catch (java.time.format.DateTimeParseException e) {
        // skipped on purpose: an unreadable record is treated as no record
      }
    }
    return out;
  }

  /** The annotation value for {@code records}, or null when there are none (annotation removed). */
  public static String format(Map<String, DrainRecord> records) {
    if (records.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(records)
        .forEach(
            (pool, r) -> {
              if (sb.length() > 0) {
                sb.append(',');
              }
              sb.append(pool).append('=').append(r.started());
              if (r.abandoned() != null) {
                sb.append('/').append(r.abandoned());
              }
            });
    return sb.toString();
  }
}
