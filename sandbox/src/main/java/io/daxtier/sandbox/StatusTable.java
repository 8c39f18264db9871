package io.daxtier.sandbox;

import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Renders pools, nodes and their devices as the plain-text table the sandbox prints. */
final class StatusTable {
  private StatusTable() {}

  static String render(List<PmemPool> pools, List<PmemNode> nodes) {
    StringBuilder out = new StringBuilder();
    List<String[]> poolRows = new ArrayList<>();
    poolRows.add(new String[] {"POOL", "MODE", "READY", "MATCHED", "BLOCKED", "ONLINE", "STATUS"});
    pools.stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .forEach(
            p -> {
              var s = p.getStatus();
              poolRows.add(
                  new String[] {
                    p.getMetadata().getName(),
                    String.valueOf(p.getSpec().mode),
                    s == null ? "-" : str(s.readyNodes),
                    s == null ? "-" : str(s.matchedNodes),
                    s == null ? "-" : str(s.blockedNodes),
                    s == null ? "-" : str(s.onlineCapacity),
                    s == null || s.phase == null ? "Pending" : s.phase.name()
                  });
            });
    columns(out, poolRows);
    out.append('\n');
    List<String[]> deviceRows = new ArrayList<>();
    deviceRows.add(new String[] {"NODE", "DEVICE", "POOL", "PHASE", "BLOCKS", "REASON"});
    nodes.stream()
        .sorted(Comparator.comparing(n -> n.getMetadata().getName()))
        .forEach(
            n -> {
              List<DeviceStatus> devices =
                  n.getStatus() == null ? List.of() : n.getStatus().devices;
              if (devices.isEmpty()) {
                deviceRows.add(
                    new String[] {n.getMetadata().getName(), "-", "-", "(no report yet)", "", ""});
              }
              for (DeviceStatus d : devices) {
                deviceRows.add(
                    new String[] {
                      n.getMetadata().getName(),
                      d.name,
                      d.pool == null ? "-" : d.pool,
                      d.phase == null ? "-" : d.phase.name(),
                      d.blocksTotal == null ? "" : d.blocksOnline + "/" + d.blocksTotal,
                      reason(d)
                    });
              }
            });
    columns(out, deviceRows);
    return out.toString();
  }

  private static String reason(DeviceStatus d) {
    if (d.reason == null) {
      return "";
    }
    String message = d.message == null ? "" : ": " + d.message;
    String text = d.reason + message;
    return text.length() > 90 ? text.substring(0, 87) + "..." : text;
  }

  private static String str(Object o) {
    return o == null ? "-" : o.toString();
  }

  private static void columns(StringBuilder out, List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], Objects.toString(row[i], "").length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        String cell = Objects.toString(row[i], "");
        line.append(cell);
        if (i < row.length - 1) {
          line.append(" ".repeat(width[i] - cell.length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
