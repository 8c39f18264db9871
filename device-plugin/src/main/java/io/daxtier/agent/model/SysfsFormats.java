package io.daxtier.agent.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Parsers for the text formats sysfs and procfs use (node lists, meminfo, badblocks). */
public final class SysfsFormats {
  private SysfsFormats() {}

  /** A node/CPU list such as {@code 0-1,3}; empty text is the empty list. */
  public static List<Integer> parseList(String text) {
    TreeSet<Integer> out = new TreeSet<>();
    if (text == null) {
      return List.of();
    }
    for (String part : text.trim().split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int dash = p.indexOf('-');
      if (dash < 0) {
        out.add(Integer.parseInt(p));
      } else {
        int a = Integer.parseInt(p.substring(0, dash));
        int b = Integer.parseInt(p.substring(dash + 1));
        for (int i = a; i <= b; i++) {
          out.add(i);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * {@code /proc/meminfo} or {@code nodeN/meminfo} ("Node N " prefix) as bytes by key; values in kB
   * are converted, bare counts kept.
   */
  public static Map<String, Long> parseMeminfo(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      String l = line.trim();
      if (l.startsWith("Node ")) {
        int sp = l.indexOf(' ', 5);
        if (sp < 0) {
          continue;
        }
        l = l.substring(sp + 1).trim();
      }
      int colon = l.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = l.substring(0, colon).trim();
      String[] v = l.substring(colon + 1).trim().split("\\s+");
      try {
        long n = Long.parseLong(v[0]);
        out.put(key, v.length > 1 && v[1].equalsIgnoreCase("kB") ? n * 1024 : n);
      } catch (NumberFormatException e) {
        // not a number: skip the line
      }
    }
    return out;
  }

  /** A badblocks file: {@code "<sector> <len>"} per line; malformed lines are skipped. */
  public static List<BadBlock> parseBadBlocks(String text) {
    List<BadBlock> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      String[] p = line.trim().split("\\s+");
      if (p.length != 2) {
        continue;
      }
      try {
        long s = Long.parseLong(p[0]);
        int c = Integer.parseInt(p[1]);
        if (s >= 0 && c > 0) {
          out.add(new BadBlock(s, c));
        }
      } catch (NumberFormatException e) {
        // skip
      }
    }
    return out;
  }
}
