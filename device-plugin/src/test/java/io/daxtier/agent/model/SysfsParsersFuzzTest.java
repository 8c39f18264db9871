package io.daxtier.agent.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Jazzer fuzz targets over the sysfs parsers: whatever text the kernel (or a broken fixture) puts
 * in an attribute, a parser returns a value within its bounds or a malformed result naming the
 * path, never throws. In a normal build each target runs its seeds
 * (src/test/resources/.../SysfsParsersFuzzTestInputs) and an empty input; with {@code
 * JAZZER_FUZZ=1} Jazzer mutates them for real (see junit-platform.properties).
 */
class SysfsParsersFuzzTest {
  private static final String PATH = "/sys/fuzz/attr";

  @FuzzTest(maxDuration = "30s")
  void numbersStayInTheirBounds(FuzzedDataProvider data) {
    long min = data.consumeLong(-1_000_000, 1_000_000);
    long max = min + data.consumeLong(0, Long.MAX_VALUE / 2);
    String text = data.consumeRemainingAsString();
    inBounds(SysfsFormats.decimal(PATH, text, min, max), min, max);
    inBounds(SysfsFormats.hex(PATH, text, Math.max(0, min), max), Math.max(0, min), max);
    check(SysfsFormats.integer(PATH, text, 0, SysfsFormats.MAX_MAPPINGS));
    Parsed<Long> address = check(SysfsFormats.address(PATH, text));
    if (address.isOk()) {
      assertThat(address.orElse(0L)).isBetween(0L, SysfsFormats.ADDRESS_LIMIT - 1);
    }
    Parsed<Long> block = check(SysfsFormats.blockSize(PATH, text));
    if (block.isOk()) {
      long size = block.orElse(0L);
      assertThat(size).isBetween(SysfsFormats.MIN_BLOCK_SIZE, SysfsFormats.MAX_BLOCK_SIZE);
      assertThat(Long.bitCount(size)).isEqualTo(1);
    }
    Parsed<Integer> node = check(SysfsFormats.node(PATH, text, true));
    if (node.isOk()) {
      assertThat(node.orElse(0)).isBetween(-1, SysfsFormats.MAX_NODES - 1);
    }
  }

  @FuzzTest(maxDuration = "30s")
  void listsAreBoundedAndNeverLoopLong(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    Parsed<List<Integer>> nodes = check(SysfsFormats.nodeList(PATH, text));
    if (nodes.isOk()) {
      assertThat(nodes.orElse(List.of()))
          .hasSizeLessThanOrEqualTo(SysfsFormats.MAX_NODES)
          .allSatisfy(n -> assertThat(n).isBetween(0, SysfsFormats.MAX_NODES - 1));
    }
    Parsed<List<Integer>> distances = check(SysfsFormats.distances(PATH, text));
    if (distances.isOk()) {
      assertThat(distances.orElse(List.of()))
          .allSatisfy(d -> assertThat(d).isBetween(0, SysfsFormats.MAX_DISTANCE));
    }
    SysfsFormats.meminfoProblems(PATH, text).forEach(m -> assertThat(m.path()).isEqualTo(PATH));
  }

  @FuzzTest(maxDuration = "30s")
  void badBlocksLieInsideTheirRegion(FuzzedDataProvider data) {
    long regionSize = data.consumeLong(0, 1L << 50);
    String text = data.consumeRemainingAsString();
    Parsed<List<BadBlock>> blocks = check(SysfsFormats.badBlocks(PATH, text, regionSize));
    if (blocks.isOk() && regionSize > 0) {
      for (BadBlock b : blocks.orElse(List.of())) {
        long end = Math.multiplyExact(b.sector() + b.count(), 512L);
        assertThat(end).as(b.toString()).isLessThanOrEqualTo(regionSize);
      }
    }
  }

  private static <T> Parsed<T> check(Parsed<T> p) {
    assertThat(p).isNotNull();
    if (!p.isOk()) {
      assertThat(p.malformed().path()).isEqualTo(PATH);
      assertThat(p.malformed().problem()).isNotBlank();
    }
    return p;
  }

  private static void inBounds(Parsed<Long> p, long min, long max) {
    if (check(p).isOk()) {
      assertThat(p.orElse(0L)).isBetween(min, max);
    }
  }
}
