package io.daxtier.agent.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Parsers for the text formats sysfs and procfs use (numbers, node lists, meminfo, badblocks). The
 * typed parsers never throw: any text gives a {@link Parsed.Ok} within the stated bounds or a
 * {@link Parsed.Bad} naming the path, the value and the problem. Every loop they run and every list
 * they build is bounded by the text's length or by the limits below, and address arithmetic is
 * checked, so a value the kernel would never write cannot hang the agent, exhaust its memory or
 * wrap around to an address the kernel did not report.
 */
public final class SysfsFormats {
  /** Node ids are below this: MAX_NUMNODES for NODES_SHIFT 10, the largest any arch configures. */
  public static final int MAX_NODES = 1024;

  /** At most this many {@code mappingN} of a region (the kernel's ND_MAX_MAPPINGS is 32). */
  public static final int MAX_MAPPINGS = 64;

  /** {@code block_size_bytes} is a power of two in this range on every architecture. */
  public static final long MIN_BLOCK_SIZE = 4 * Sizes.MIB;

  public static final long MAX_BLOCK_SIZE = 16 * Sizes.GIB;

  /**
   * Physical addresses are below 2^56: x86-64 and arm64 have at most 52 physical address bits,
   * RISC-V 56. Device ranges and bad blocks beyond it are malformed.
   */
  public static final long ADDRESS_LIMIT = 1L << 56;

  /** SLIT distances are one byte. */
  public static final int MAX_DISTANCE = 255;

  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,19}");
  private static final Pattern HEX = Pattern.compile("(?:0[xX])?[0-9a-fA-F]{1,16}");

  private SysfsFormats() {}

  /** A decimal integer in {@code [min, max]}. */
  public static Parsed<Long> decimal(String path, String text, long min, long max) {
    String t = text == null ? "" : text.trim();
    if (!DECIMAL.matcher(t).matches()) {
      return Parsed.bad(path, t, "not a decimal number");
    }
    long v;
    try {
      v = Long.parseLong(t);
    } catch (NumberFormatException e) {
      return Parsed.bad(path, t, "outside the 64-bit range");
    }
    if (v < min || v > max) {
      return Parsed.bad(path, t, "outside " + min + ".." + max);
    }
    return Parsed.ok(v);
  }

  /** A decimal int in {@code [min, max]}. */
  public static Parsed<Integer> integer(String path, String text, int min, int max) {
    return decimal(path, text, min, max).map(Long::intValue);
  }

  /** A hex number, with or without {@code 0x} (sysfs writes both), in {@code [min, max]}. */
  public static Parsed<Long> hex(String path, String text, long min, long max) {
    String t = text == null ? "" : text.trim();
    if (!HEX.matcher(t).matches()) {
      return Parsed.bad(path, t, "not a hex number");
    }
    String digits = t.startsWith("0x") || t.startsWith("0X") ? t.substring(2) : t;
    long v = Long.parseUnsignedLong(digits, 16);
    if (v < 0 || v < min || v > max) {
      return Parsed.bad(path, t, "outside " + Sizes.hex(min) + ".." + Sizes.hex(max));
    }
    return Parsed.ok(v);
  }

  /** A physical address (hex) below {@link #ADDRESS_LIMIT}. */
  public static Parsed<Long> address(String path, String text) {
    return hex(path, text, 0, ADDRESS_LIMIT - 1);
  }

  /** {@code block_size_bytes}: hex, a power of two from 4 MiB to 16 GiB. */
  public static Parsed<Long> blockSize(String path, String text) {
    Parsed<Long> p = hex(path, text, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE);
    if (p instanceof Parsed.Ok<Long> ok && Long.bitCount(ok.value()) != 1) {
      return Parsed.bad(path, text.trim(), "not a power of two");
    }
    return p;
  }

  /** A node id ({@code 0..1023}), or {@code -1} where the kernel writes "no node". */
  public static Parsed<Integer> node(String path, String text, boolean noneAllowed) {
    return integer(path, text, noneAllowed ? -1 : 0, MAX_NODES - 1);
  }

  /**
   * A node list such as {@code 0-1,3}, empty text the empty list; ids must be below {@link
   * #MAX_NODES}, so a list never has more than that many entries.
   */
  public static Parsed<List<Integer>> nodeList(String path, String text) {
    String t = text == null ? "" : text.trim();
    TreeSet<Integer> out = new TreeSet<>();
    if (t.isEmpty()) {
      return Parsed.ok(List.of());
    }
    for (String part : t.split(",", -1)) {
      String p = part.trim();
      int dash = p.indexOf('-', 1);
      String lo = dash < 0 ? p : p.substring(0, dash);
      String hi = dash < 0 ? p : p.substring(dash + 1);
      Parsed<Integer> a = node(path, lo, false);
      Parsed<Integer> b = node(path, hi, false);
      if (!a.isOk() || !b.isOk()) {
        return Parsed.bad(path, t, "'" + p + "' is not a node id or range below " + MAX_NODES);
      }
      if (a.orElse(0) > b.orElse(0)) {
        return Parsed.bad(path, t, "'" + p + "' is a descending range");
      }
      for (int i = a.orElse(0); i <= b.orElse(0); i++) {
        out.add(i);
      }
    }
    return Parsed.ok(List.copyOf(out));
  }

  /** A node's {@code distance}: one SLIT byte per node, at most {@link #MAX_NODES} of them. */
  public static Parsed<List<Integer>> distances(String path, String text) {
    String t = text == null ? "" : text.trim();
    List<Integer> out = new ArrayList<>();
    if (t.isEmpty()) {
      return Parsed.ok(List.of());
    }
    for (String d : t.split("\\s+")) {
      Parsed<Integer> p = integer(path, d, 0, MAX_DISTANCE);
      if (!p.isOk() || out.size() == MAX_NODES) {
        return Parsed.bad(
            path, t, p.isOk() ? "more than " + MAX_NODES + " distances" : "'" + d + "' not 0..255");
      }
      out.add(p.orElse(0));
    }
    return Parsed.ok(List.copyOf(out));
  }

  /**
   * A region's badblocks file: {@code "<sector> <count>"} per line, 512-byte sectors relative to
   * the region start. Every entry must lie inside the region ({@code regionSize} bytes; 0 checks
   * only that it stays inside the address space): an entry outside it is not one the kernel wrote,
   * and mapping it anyway could name memory of another region.
   */
  public static Parsed<List<BadBlock>> badBlocks(String path, String text, long regionSize) {
    List<BadBlock> out = new ArrayList<>();
    if (text == null) {
      return Parsed.ok(out);
    }
    long limit = regionSize > 0 ? regionSize : ADDRESS_LIMIT;
    for (String line : text.split("\n")) {
      String l = line.trim();
      if (l.isEmpty()) {
        continue;
      }
      String[] p = l.split("\\s+");
      if (p.length != 2) {
        return Parsed.bad(path, l, "not '<sector> <count>'");
      }
      Parsed<Long> s = decimal(path, p[0], 0, Long.MAX_VALUE);
      Parsed<Long> c = decimal(path, p[1], 1, Integer.MAX_VALUE);
      if (!s.isOk() || !c.isOk()) {
        return Parsed.bad(path, l, "not '<sector> <count>' with count > 0");
      }
      BadBlock b = new BadBlock(s.orElse(0L), c.orElse(1L).intValue());
      if (!b.inside(limit)) {
        return Parsed.bad(
            path,
            l,
            regionSize > 0
                ? "outside the region's " + regionSize + " bytes"
                : "outside the physical address space");
      }
      out.add(b);
    }
    return Parsed.ok(List.copyOf(out));
  }

  /**
   * A node/CPU list such as {@code 0-1,3}; empty text is the empty list, and so is a malformed list
   * (use {@link #nodeList} to learn about it).
   */
  public static List<Integer> parseList(String text) {
    return nodeList("", text).orElse(List.of());
  }

  /**
   * {@code /proc/meminfo} or {@code nodeN/meminfo} ("Node N " prefix) as bytes by key; values in kB
   * are converted, bare counts kept. Lines that are not {@code key: number [kB]} are left out
   * ({@link #meminfoProblems} names them).
   */
  public static Map<String, Long> parseMeminfo(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    meminfo("", text, out, new ArrayList<>());
    return out;
  }

  /** The malformed lines of a meminfo file, as {@link Malformed} of its path. */
  public static List<Malformed> meminfoProblems(String path, String text) {
    List<Malformed> problems = new ArrayList<>();
    meminfo(path, text, new LinkedHashMap<>(), problems);
    return problems;
  }

  private static void meminfo(
      String path, String text, Map<String, Long> out, List<Malformed> problems) {
    if (text == null) {
      return;
    }
    for (String line : text.split("\n")) {
      String whole = line.trim();
      String l = whole;
      if (l.startsWith("Node ")) {
        int sp = l.indexOf(' ', 5);
        if (sp < 0) {
          problems.add(new Malformed(path, whole, "not 'Node N key: value'"));
          continue;
        }
        l = l.substring(sp + 1).trim();
      }
      if (l.isEmpty()) {
        continue;
      }
      int colon = l.indexOf(':');
      if (colon < 0) {
        problems.add(new Malformed(path, whole, "not 'key: value'"));
        continue;
      }
      String key = l.substring(0, colon).trim();
      String[] v = l.substring(colon + 1).trim().split("\\s+");
      boolean kb = v.length == 2 && v[1].equalsIgnoreCase("kB");
      Parsed<Long> n = decimal(path, v[0], 0, kb ? Long.MAX_VALUE / 1024 : Long.MAX_VALUE);
      if (!n.isOk() || v.length > 2 || (v.length == 2 && !kb)) {
        problems.add(new Malformed(path, whole, "not 'key: number [kB]'"));
        continue;
      }
      out.put(key, kb ? n.orElse(0L) * 1024 : n.orElse(0L));
    }
  }

  /**
   * A badblocks file without its region's size: the entries inside the physical address space;
   * malformed lines are skipped (use {@link #badBlocks} to learn about them).
   */
  public static List<BadBlock> parseBadBlocks(String text) {
    List<BadBlock> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    for (String line : text.split("\n")) {
      badBlocks("", line, 0).orElse(List.of()).forEach(out::add);
    }
    return out;
  }
}
