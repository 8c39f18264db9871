package io.daxtier.agent.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generated-input tests of the sysfs parsers: any text gives a value within the bounds or a typed
 * malformed result naming the path, never an exception and never a long loop; values in range
 * round-trip. Each seed is one case, so a failure names a reproducible seed.
 */
class SysfsFormatsFuzzTest {
  static final String PATH = "/sys/fuzz/attr";
  static final int PER_SEED = 400;

  /** Tokens near the edges of every bound the parsers check, and text the kernel never writes. */
  static final List<String> EDGES =
      List.of(
          "",
          " ",
          "\n",
          "0",
          "-0",
          "-1",
          "1",
          "63",
          "64",
          "65",
          "255",
          "256",
          "1023",
          "1024",
          "2147483647",
          "2147483648",
          "-2147483648",
          "9223372036854775807",
          "9223372036854775808",
          "-9223372036854775808",
          "18446744073709551615",
          "36028797018963967",
          "36028797018963968",
          "0x",
          "0x0",
          "0x400000",
          "0x8000000",
          "0x400000000",
          "0x400000001",
          "0x7fffffffffffffff",
          "0xffffffffffffffff",
          "0x10000000000000000",
          "ffffffff",
          "1e3",
          "+1",
          "--1",
          "1-",
          "-",
          ",",
          "0-2147483647",
          "5-3",
          "\u0661\u0662",
          "\u0000",
          "\uffff",
          "\ud800",
          "1 1",
          "1\t2",
          "0 1\n",
          "x".repeat(300));

  static final String ALPHABET = "0123456789abcdefxX -,+\n\t:.kB\u0000\u00e9\u0661\ud83d\ude00";

  static List<Long> seeds() {
    return LongStream.range(1, 21).boxed().toList();
  }

  /** Text mixing edge tokens, digits and separators. */
  static String text(Random r) {
    StringBuilder b = new StringBuilder();
    int parts = r.nextInt(6);
    for (int i = 0; i < parts; i++) {
      switch (r.nextInt(4)) {
        case 0 -> b.append(EDGES.get(r.nextInt(EDGES.size())));
        case 1 -> b.append(r.nextLong() >>> r.nextInt(64));
        case 2 -> b.append("0x").append(Long.toHexString(r.nextLong() >>> r.nextInt(64)));
        default -> {
          int n = r.nextInt(12);
          for (int k = 0; k < n; k++) {
            b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
          }
        }
      }
      if (r.nextBoolean()) {
        b.append(" -,\n".charAt(r.nextInt(4)));
      }
    }
    return b.toString();
  }

  static List<String> inputs(long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(EDGES);
    for (int i = 0; i < PER_SEED; i++) {
      out.add(text(r));
    }
    return out;
  }

  static <T> void wellTyped(Parsed<T> p) {
    assertThat(p).isNotNull();
    if (p instanceof Parsed.Bad<T> bad) {
      assertThat(bad.malformed().path()).isEqualTo(PATH);
      assertThat(bad.malformed().value()).isNotNull();
      assertThat(bad.malformed().value().length()).isLessThanOrEqualTo(Malformed.MAX_VALUE + 3);
      assertThat(bad.malformed().problem()).isNotBlank();
      assertThat(bad.malformed().message()).startsWith("malformed at " + PATH + ": ");
    } else {
      assertThat(((Parsed.Ok<T>) p).value()).isNotNull();
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void anyTextGivesAValueInBoundsOrMalformed(long seed) {
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          Random r = new Random(seed);
          for (String t : inputs(seed)) {
            long lo = r.nextInt(100) - 50;
            long hi = lo + (r.nextBoolean() ? r.nextInt(2000) : Long.MAX_VALUE / 2);
            Parsed<Long> d = SysfsFormats.decimal(PATH, t, lo, hi);
            wellTyped(d);
            d.map(v -> assertThat(v).isBetween(lo, hi));
            Parsed<Integer> i = SysfsFormats.integer(PATH, t, -1, 64);
            wellTyped(i);
            i.map(v -> assertThat(v).isBetween(-1, 64));
            Parsed<Long> h = SysfsFormats.hex(PATH, t, 0, hi);
            wellTyped(h);
            h.map(v -> assertThat(v).isBetween(0L, hi));
            Parsed<Long> a = SysfsFormats.address(PATH, t);
            wellTyped(a);
            a.map(v -> assertThat(v).isBetween(0L, SysfsFormats.ADDRESS_LIMIT - 1));
            Parsed<Long> bs = SysfsFormats.blockSize(PATH, t);
            wellTyped(bs);
            bs.map(v -> assertThat(DaxDevice.validBlockSize(v)).isTrue());
            Parsed<Integer> n = SysfsFormats.node(PATH, t, r.nextBoolean());
            wellTyped(n);
            n.map(v -> assertThat(v).isBetween(-1, SysfsFormats.MAX_NODES - 1));
            Parsed<List<Integer>> nl = SysfsFormats.nodeList(PATH, t);
            wellTyped(nl);
            nl.map(
                v ->
                    assertThat(v)
                        .hasSizeLessThanOrEqualTo(SysfsFormats.MAX_NODES)
                        .allMatch(x -> x >= 0 && x < SysfsFormats.MAX_NODES));
            Parsed<List<Integer>> dist = SysfsFormats.distances(PATH, t);
            wellTyped(dist);
            dist.map(v -> assertThat(v).allMatch(x -> x >= 0 && x <= 255));
            long regionSize = r.nextBoolean() ? 0 : r.nextLong() >>> r.nextInt(64);
            Parsed<List<BadBlock>> bb = SysfsFormats.badBlocks(PATH, t, regionSize);
            wellTyped(bb);
            long limit = regionSize > 0 ? regionSize : SysfsFormats.ADDRESS_LIMIT;
            bb.map(v -> assertThat(v).allMatch(b -> b.inside(limit)));
            assertThat(SysfsFormats.parseBadBlocks(t))
                .allMatch(b -> b.inside(SysfsFormats.ADDRESS_LIMIT));
            assertThat(SysfsFormats.parseList(t)).hasSizeLessThanOrEqualTo(SysfsFormats.MAX_NODES);
            assertThat(SysfsFormats.parseMeminfo(t).values()).allMatch(v -> v >= 0);
            assertThat(SysfsFormats.meminfoProblems(PATH, t)).allMatch(m -> m.path().equals(PATH));
          }
        });
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void numbersInRangeRoundTrip(long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < PER_SEED; i++) {
      long v = (r.nextLong() >>> 1) >>> r.nextInt(63);
      assertThat(SysfsFormats.decimal(PATH, Long.toString(v), 0, Long.MAX_VALUE).orElse(-1L))
          .isEqualTo(v);
      assertThat(SysfsFormats.decimal(PATH, "-" + v, Long.MIN_VALUE, 0).orElse(1L)).isEqualTo(-v);
      assertThat(SysfsFormats.hex(PATH, Long.toHexString(v), 0, Long.MAX_VALUE).orElse(-1L))
          .isEqualTo(v);
      assertThat(SysfsFormats.hex(PATH, "0x" + Long.toHexString(v) + "\n", 0, Long.MAX_VALUE))
          .isEqualTo(Parsed.ok(v));
      long addr = v & (SysfsFormats.ADDRESS_LIMIT - 1);
      assertThat(SysfsFormats.address(PATH, Sizes.hex(addr))).isEqualTo(Parsed.ok(addr));
      int node = r.nextInt(SysfsFormats.MAX_NODES + 1) - 1;
      assertThat(SysfsFormats.node(PATH, Integer.toString(node), true)).isEqualTo(Parsed.ok(node));

      TreeSet<Integer> nodes = new TreeSet<>();
      int count = r.nextInt(20);
      for (int k = 0; k < count; k++) {
        nodes.add(r.nextInt(SysfsFormats.MAX_NODES));
      }
      assertThat(SysfsFormats.nodeList(PATH, listText(nodes)))
          .isEqualTo(Parsed.ok(List.copyOf(nodes)));

      long regionSize = (1L + r.nextInt(1 << 20)) * Sizes.MIB;
      List<BadBlock> bad = new ArrayList<>();
      StringBuilder file = new StringBuilder();
      for (int k = r.nextInt(8); k > 0; k--) {
        long sector = (r.nextLong() >>> 1) % (regionSize / Sizes.SECTOR);
        int len = 1 + (int) Math.min(r.nextInt(64), regionSize / Sizes.SECTOR - sector - 1);
        bad.add(new BadBlock(sector, len));
        file.append(sector).append(' ').append(len).append('\n');
      }
      assertThat(SysfsFormats.badBlocks(PATH, file.toString(), regionSize))
          .isEqualTo(Parsed.ok(bad));
    }
  }

  /** The kernel's bitmap_print_to_pagebuf list form: runs as a-b, single ids alone. */
  static String listText(TreeSet<Integer> nodes) {
    List<String> parts = new ArrayList<>();
    Integer start = null;
    Integer prev = null;
    for (int n : nodes) {
      if (prev != null && n == prev + 1) {
        prev = n;
        continue;
      }
      if (start != null) {
        parts.add(start.equals(prev) ? "" + start : start + "-" + prev);
      }
      start = n;
      prev = n;
    }
    if (start != null) {
      parts.add(start.equals(prev) ? "" + start : start + "-" + prev);
    }
    return String.join(",", parts);
  }

  @Test
  void blockSizesArePowersOfTwoFrom4MiBTo16GiB() {
    for (int shift = 0; shift < 63; shift++) {
      long v = 1L << shift;
      boolean kernelSize = v >= 4 * Sizes.MIB && v <= 16 * Sizes.GIB;
      assertThat(SysfsFormats.blockSize(PATH, Long.toHexString(v)).isOk())
          .as("2^%d", shift)
          .isEqualTo(kernelSize);
      assertThat(DaxDevice.validBlockSize(v)).isEqualTo(kernelSize);
    }
    assertThat(SysfsFormats.blockSize(PATH, "0").malformed().value()).isEqualTo("0");
    assertThat(SysfsFormats.blockSize(PATH, "1").isOk()).isFalse();
    assertThat(SysfsFormats.blockSize(PATH, "c000000").malformed().problem())
        .isEqualTo("not a power of two");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0-2147483647", "0-1024", "0-4294967295", "1023-0", "0-99999999999999"})
  void hugeOrBackwardNodeListsAreMalformedPromptly(String text) {
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> assertThat(SysfsFormats.nodeList(PATH, text).malformed().value()).isEqualTo(text));
  }

  @Test
  void aSectorNear2To55CannotWrapIntoTheRegion() {
    // 2^55 sectors of 512 bytes are 2^64: unchecked, the entry maps to the region's first bytes
    long sector = 1L << 55;
    Region region =
        new Region(
            "region0",
            "ndbus0",
            null,
            0x1_0000_0000L,
            16 * Sizes.GIB,
            0,
            List.of(),
            List.of(),
            0,
            true);
    for (long s : new long[] {sector, sector - 1, sector + 1, (1L << 54) + 1, Long.MAX_VALUE}) {
      String line = s + " 8";
      assertThat(SysfsFormats.badBlocks(PATH, line, region.size()).isOk()).as(line).isFalse();
      assertThat(SysfsFormats.badBlocks(PATH, line, 0).isOk()).as(line).isFalse();
      assertThat(SysfsFormats.parseBadBlocks(line)).as(line).isEmpty();
      AddressRange mapped = region.physical(new BadBlock(s, 8));
      assertThat(mapped).isEqualTo(AddressRange.OUTSIDE);
      assertThat(mapped.overlaps(new AddressRange(0, SysfsFormats.ADDRESS_LIMIT - 1))).isFalse();
    }
    // beyond the region's end but inside the address space: also not the region's
    long past = region.size() / Sizes.SECTOR;
    assertThat(region.physical(new BadBlock(past, 1))).isEqualTo(AddressRange.OUTSIDE);
    assertThat(region.physical(new BadBlock(past - 1, 1)))
        .isEqualTo(
            new AddressRange(
                region.start() + region.size() - Sizes.SECTOR, region.start() + region.size() - 1));
  }

  @Test
  void blockArithmeticRefusesSizesTheKernelDoesNotUse() {
    DaxDevice d =
        new DaxDevice(
            "dax0.0",
            "region0",
            null,
            16 * Sizes.GIB,
            List.of(new AddressRange(0x1_0000_0000L, 0x4_ffff_ffffL)),
            1,
            0,
            "kmem");
    for (long bs : new long[] {0, 1, -1, 4096, 3 * 128 * Sizes.MIB, 32 * Sizes.GIB}) {
      assertTimeoutPreemptively(
          Duration.ofSeconds(2),
          () -> {
            assertThat(d.blocks(bs)).isEmpty();
            assertThat(d.blockCount(bs)).isZero();
            assertThat(d.ownsBlock(40, bs)).isFalse();
          });
    }
    assertThat(d.blockCount(128 * Sizes.MIB)).isEqualTo(128);
  }

  @Test
  void malformedValuesAreShortenedAndPrintable() {
    Malformed m = new Malformed(PATH, "a\u0000b\nc" + "9".repeat(500), "p");
    assertThat(m.value()).startsWith("a\\x00b\\nc9").endsWith("...").doesNotContain("\n");
    assertThat(m.value().length()).isLessThanOrEqualTo(Malformed.MAX_VALUE + 3);
  }
}
