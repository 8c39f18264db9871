package io.daxtier.api.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.MemoryType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Quantities, durations and device selection: the shared rules (moved from the operator). */
class RulesTest {

  @ParameterizedTest
  @CsvSource({"1024,1024", "4Gi,4294967296", "128Mi,134217728", "2k,2000", "1Pi,1125899906842624"})
  void quantities(String text, long bytes) {
    assertThat(Quantities.bytes(text)).contains(bytes);
    assertThat(Quantities.parse(text)).isEqualTo(bytes);
  }

  @Test
  void badQuantitiesAndFormatting() {
    assertThat(Quantities.bytes("1.5Gi")).isEmpty();
    assertThat(Quantities.bytes("99999999999Pi")).isEmpty();
    assertThat(Quantities.bytes(null)).isEmpty();
    assertThatThrownBy(() -> Quantities.parse("4GB")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Quantities.format(96L << 30)).isEqualTo("96Gi");
    assertThat(Quantities.format(1536L << 20)).isEqualTo("1536Mi");
    assertThat(Quantities.format(0)).isEqualTo("0");
    assertThat(Quantities.format(1000)).isEqualTo("1000");
  }

  @Test
  void goDurations() {
    assertThat(GoDurations.parse("1h30m")).contains(Duration.ofMinutes(90));
    assertThat(GoDurations.parse("1.5s")).contains(Duration.ofMillis(1500));
    assertThat(GoDurations.parse("10m")).contains(Duration.ofMinutes(10));
    assertThat(GoDurations.parse(" 24h ")).contains(Duration.ofHours(24));
    assertThat(GoDurations.parse("10")).isEmpty();
    assertThat(GoDurations.parse("5m junk")).isEmpty();
    assertThat(GoDurations.parse("")).isEmpty();
    assertThatThrownBy(() -> GoDurations.parseOrThrow("soon"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deviceSelectorCriteriaAllHold() {
    DeviceSelector s = new DeviceSelector();
    s.regions = List.of("region0");
    s.minSize = "4Gi";
    assertThat(DeviceSelection.selects(s, "dax0.0", "region0", MemoryType.PMEM, 8L << 30)).isTrue();
    assertThat(DeviceSelection.selects(s, "dax0.1", "region0", MemoryType.PMEM, 2L << 30))
        .isFalse();
    assertThat(DeviceSelection.selects(s, "dax1.0", "region1", MemoryType.PMEM, 8L << 30))
        .isFalse();
    assertThat(DeviceSelection.selects(s, "dax0.0", "region0", MemoryType.PMEM, null))
        .as("unknown size under a minSize")
        .isFalse();
    s.regions = null;
    s.memoryType = MemoryType.CXL;
    assertThat(DeviceSelection.selects(s, "dax0.0", "region0", MemoryType.PMEM, 8L << 30))
        .isFalse();
  }

  @Test
  void emptyListsMeanAny() {
    DeviceSelector s = new DeviceSelector();
    s.daxDevices = List.of();
    s.regions = List.of();
    assertThat(DeviceSelection.selects(s, "dax3.0", "region3", MemoryType.HMEM, 1L)).isTrue();
    assertThat(DeviceSelection.selects(null, "dax3.0", "region3", MemoryType.HMEM, 1L)).isTrue();
    s.daxDevices = List.of("dax0.0");
    assertThat(DeviceSelection.selects(s, "dax3.0", "region3", MemoryType.HMEM, 1L)).isFalse();
  }

  @Test
  void aDeviceWithoutRegionIsInNoRegionList() {
    DeviceSelector s = new DeviceSelector();
    s.regions = List.of("region0");
    assertThat(DeviceSelection.selects(s, "dax9.0", null, MemoryType.HMEM, 1L)).isFalse();
    s.regions = List.of();
    assertThat(DeviceSelection.selects(s, "dax9.0", null, MemoryType.HMEM, 1L)).isTrue();
  }

  @Test
  void aMinSizeThatIsNoQuantityRestrictsNothing() {
    DeviceSelector s = new DeviceSelector();
    s.minSize = "4GB";
    assertThat(DeviceSelection.selects(s, "dax0.0", "region0", MemoryType.PMEM, 1L)).isTrue();
  }
}
