package io.daxtier.agent.plugin.allocation;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stable id of a memory unit, {@code node<N>-<index>} with the index zero-padded to four digits
 * (e.g. {@code node2-0007}). It depends only on the node and the unit's position, so it survives
 * agent and kubelet restarts, and growth or shrinkage only adds or removes the highest ids.
 */
public record UnitId(int node, int index) {
  private static final Pattern FORMAT = Pattern.compile("node(\\d{1,9})-(\\d{4,9})");

  public UnitId {
    if (node < 0 || index < 0) {
      throw new IllegalArgumentException("negative node or index: " + node + "/" + index);
    }
  }

  /** Parses an id, empty when it is not a unit id. */
  public static Optional<UnitId> parse(String id) {
    Matcher m = FORMAT.matcher(id);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new UnitId(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
  }

  @Override
  public String toString() {
    return String.format("node%d-%04d", node, index);
  }
}
