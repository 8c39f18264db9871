package io.daxtier.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders custom resources as a {@code meta.k8s.io/v1} Table from the CRD's printer columns, the
 * way the API server does for {@code kubectl get}: the JSONPath subset printer columns use (plain
 * field paths and one {@code [?(@.field=="value")]} filter) and relative ages for dates.
 */
final class TableRenderer {
  private static final Pattern FILTER =
      Pattern.compile("^([^\\[]*)\\[\\?\\(@\\.([A-Za-z0-9_]+)==\"([^\"]*)\"\\)\\](.*)$");

  private final List<CustomResourceColumnDefinition> columns;
  private final Clock clock;

  TableRenderer(List<CustomResourceColumnDefinition> columns, Clock clock) {
    this.columns = columns;
    this.clock = clock;
  }

  Map<String, Object> table(List<Map<String, Object>> objects, String resourceVersion) {
    List<Map<String, Object>> definitions = new ArrayList<>();
    definitions.add(column("Name", "string", "name"));
    columns.forEach(c -> definitions.add(column(c.getName(), c.getType(), c.getFormat())));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> object : objects) {
      List<Object> cells = new ArrayList<>();
      cells.add(at(object, ".metadata.name"));
      for (CustomResourceColumnDefinition c : columns) {
        Object value = at(object, c.getJsonPath());
        cells.add("date".equals(c.getType()) && value != null ? age(value.toString()) : value);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("cells", cells);
      row.put(
          "object",
          Map.of(
              "apiVersion", "meta.k8s.io/v1",
              "kind", "PartialObjectMetadata",
              "metadata", object.get("metadata")));
      rows.add(row);
    }
    Map<String, Object> table = new LinkedHashMap<>();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.put("metadata", Map.of("resourceVersion", resourceVersion));
    table.put("columnDefinitions", definitions);
    table.put("rows", rows);
    return table;
  }

  private static Map<String, Object> column(String name, String type, String format) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("type", type);
    c.put("format", format == null ? "" : format);
    c.put("description", "");
    c.put("priority", 0);
    return c;
  }

  /** Evaluates a printer-column JSONPath; null when any step is missing. */
  static Object at(Object root, String path) {
    Matcher filter = FILTER.matcher(path);
    if (filter.matches()) {
      Object list = at(root, filter.group(1));
      if (list instanceof List<?> items) {
        for (Object item : items) {
          if (item instanceof Map<?, ?> m
              && filter.group(3).equals(String.valueOf(m.get(filter.group(2))))) {
            return at(item, filter.group(4));
          }
        }
      }
      return null;
    }
    Object current = root;
    for (String step : path.split("\\.")) {
      if (step.isEmpty()) {
        continue;
      }
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(step);
    }
    return current;
  }

  /** The API server's short relative age: 45s, 3m12s, 17m, 5h4m, 3d, ... */
  String age(String timestamp) {
    Duration d = Duration.between(Instant.parse(timestamp), clock.instant());
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return m + "m" + (s % 60) + "s";
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return h + "h" + (m % 60) + "m";
    }
    if (h < 48) {
      return h + "h";
    }
    return (h / 24) + "d";
  }
}
