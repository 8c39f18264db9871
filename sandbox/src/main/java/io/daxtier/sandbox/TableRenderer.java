package io.daxtier.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
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

  /** One column: its definition and how a cell is computed from the object. */
  record Column(
      String name,
      String type,
      String format,
      int priority,
      Function<Map<String, Object>, Object> cell) {}

  private final List<Column> columns;
  private final Clock clock;

  /** The printer columns of a CRD, after the name. */
  TableRenderer(List<CustomResourceColumnDefinition> printerColumns, Clock clock) {
    this.clock = clock;
    List<Column> cs = new ArrayList<>();
    cs.add(NAME);
    for (CustomResourceColumnDefinition c : printerColumns) {
      String path = c.getJsonPath();
      boolean date = "date".equals(c.getType());
      cs.add(
          new Column(
              c.getName(),
              c.getType(),
              c.getFormat(),
              c.getPriority() == null ? 0 : c.getPriority(),
              o -> {
                Object value = at(o, path);
                return date && value != null ? age(value.toString()) : value;
              }));
    }
    this.columns = cs;
  }

  private TableRenderer(Clock clock, List<Column> columns) {
    this.clock = clock;
    this.columns = columns;
  }

  /** Nodes as the API server prints them: Name, Status (Ready / NotReady), Roles, Age, Version. */
  static TableRenderer nodes(Clock clock) {
    return new TableRenderer(
        clock,
        List.of(
            NAME,
            new Column("Status", "string", "", 0, TableRenderer::nodeStatus),
            new Column("Roles", "string", "", 0, TableRenderer::roles),
            ageColumn(clock),
            new Column("Version", "string", "", 0, o -> at(o, ".status.nodeInfo.kubeletVersion"))));
  }

  /** Events as the API server prints them: Last Seen, Type, Reason, Object, Message. */
  static TableRenderer events(Clock clock) {
    return new TableRenderer(
        clock,
        List.of(
            new Column("Last Seen", "string", "", 0, o -> ageOf(clock, lastSeen(o))),
            new Column("Type", "string", "", 0, o -> at(o, ".type")),
            new Column("Reason", "string", "", 0, o -> at(o, ".reason")),
            new Column(
                "Object",
                "string",
                "",
                0,
                o ->
                    String.valueOf(at(o, ".involvedObject.kind")).toLowerCase(Locale.ROOT)
                        + "/"
                        + at(o, ".involvedObject.name")),
            new Column("Message", "string", "", 0, o -> at(o, ".message")),
            new Column("Count", "integer", "", 1, o -> at(o, ".count")),
            new Column("Name", "string", "name", 1, o -> at(o, ".metadata.name"))));
  }

  /** ResourceSlices as the API server prints them: Name, Node, Driver, Pool, Age. */
  static TableRenderer resourceSlices(Clock clock) {
    return new TableRenderer(
        clock,
        List.of(
            NAME,
            new Column("Node", "string", "", 0, o -> orNone(at(o, ".spec.nodeName"))),
            new Column("Driver", "string", "", 0, o -> at(o, ".spec.driver")),
            new Column("Pool", "string", "", 0, o -> at(o, ".spec.pool.name")),
            ageColumn(clock),
            new Column("Generation", "integer", "", 1, o -> at(o, ".spec.pool.generation")),
            new Column("Devices", "integer", "", 1, TableRenderer::deviceCount)));
  }

  /** DeviceClasses as the API server prints them: Name, Age. */
  static TableRenderer deviceClasses(Clock clock) {
    return new TableRenderer(clock, List.of(NAME, ageColumn(clock)));
  }

  /**
   * ResourceClaims as the API server prints them: Name, State (pending, allocated,reserved), Age.
   */
  static TableRenderer resourceClaims(Clock clock) {
    return new TableRenderer(
        clock,
        List.of(
            NAME,
            new Column("State", "string", "", 0, TableRenderer::claimState),
            ageColumn(clock)));
  }

  private static Object orNone(Object value) {
    return value == null ? "<none>" : value;
  }

  private static Object deviceCount(Map<String, Object> slice) {
    return at(slice, ".spec.devices") instanceof List<?> devices ? devices.size() : 0;
  }

  private static Object claimState(Map<String, Object> claim) {
    List<String> state = new ArrayList<>();
    if (at(claim, ".metadata.deletionTimestamp") != null) {
      state.add("deleted");
    }
    if (at(claim, ".status.allocation") != null) {
      state.add("allocated");
      if (at(claim, ".status.reservedFor") instanceof List<?> r && !r.isEmpty()) {
        state.add("reserved");
      }
    } else if (state.isEmpty()) {
      state.add("pending");
    }
    return String.join(",", state);
  }

  private static Object lastSeen(Map<String, Object> o) {
    for (String p :
        List.of(".lastTimestamp", ".eventTime", ".firstTimestamp", ".metadata.creationTimestamp")) {
      Object v = at(o, p);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static Object nodeStatus(Map<String, Object> node) {
    String status = "Unknown";
    if (at(node, ".status.conditions") instanceof List<?> conditions) {
      for (Object c : conditions) {
        if (c instanceof Map<?, ?> m && "Ready".equals(m.get("type"))) {
          status = "True".equals(m.get("status")) ? "Ready" : "NotReady";
        }
      }
    }
    if (Boolean.TRUE.equals(at(node, ".spec.unschedulable"))) {
      status += ",SchedulingDisabled";
    }
    return status;
  }

  private static Object roles(Map<String, Object> node) {
    List<String> roles = new ArrayList<>();
    if (at(node, ".metadata.labels") instanceof Map<?, ?> labels) {
      labels.keySet().stream()
          .map(String::valueOf)
          .filter(k -> k.startsWith("node-role.kubernetes.io/"))
          .map(k -> k.substring("node-role.kubernetes.io/".length()))
          .sorted()
          .forEach(roles::add);
    }
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  /** The first column of every table. */
  private static final Column NAME =
      new Column("Name", "string", "name", 0, o -> at(o, ".metadata.name"));

  /** Age from {@code metadata.creationTimestamp}. */
  private static Column ageColumn(Clock clock) {
    return new Column(
        "Age", "string", "", 0, o -> ageOf(clock, at(o, ".metadata.creationTimestamp")));
  }

  private static String ageOf(Clock clock, Object timestamp) {
    return timestamp == null ? "<unknown>" : age(clock, timestamp.toString());
  }

  Map<String, Object> table(List<Map<String, Object>> objects, String resourceVersion) {
    List<Map<String, Object>> definitions = new ArrayList<>();
    columns.forEach(c -> definitions.add(column(c.name(), c.type(), c.format(), c.priority())));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> object : objects) {
      List<Object> cells = new ArrayList<>();
      for (Column c : columns) {
        cells.add(c.cell().apply(object));
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

  private static Map<String, Object> column(String name, String type, String format, int priority) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("type", type);
    c.put("format", format == null ? "" : format);
    c.put("description", "");
    c.put("priority", priority);
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
    return age(clock, timestamp);
  }

  /** An age as kubectl prints it: 45s, 3m20s, 42m, 5h, 3d. */
  static String age(Clock clock, String timestamp) {
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
