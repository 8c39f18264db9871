package io.daxtier.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.operator.Fixtures;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SelectorsAndQuantitiesTest {
  private static final Map<String, String> LABELS = Map.of("pmem", "yes", "zone", "a");

  @ParameterizedTest
  @CsvSource({
    "In,pmem,yes,true",
    "In,pmem,no,false",
    "NotIn,pmem,no,true",
    "NotIn,pmem,yes,false",
    "NotIn,absent,yes,true",
    "Exists,zone,,true",
    "Exists,absent,,false",
    "DoesNotExist,absent,,true",
    "DoesNotExist,zone,,false",
    "Bogus,zone,a,false"
  })
  void expressions(String op, String key, String value, boolean expected) {
    LabelSelector s =
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey(key)
            .withOperator(op)
            .withValues(value == null ? List.of() : List.of(value))
            .endMatchExpression()
            .build();
    assertThat(LabelSelectors.matches(s, LABELS)).isEqualTo(expected);
  }

  @Test
  void emptyOrAbsentSelectorMatchesEveryNode() {
    assertThat(LabelSelectors.matches(null, null)).isTrue();
    assertThat(LabelSelectors.matches(new LabelSelector(), LABELS)).isTrue();
    assertThat(
            LabelSelectors.matches(
                new LabelSelectorBuilder().withMatchLabels(Map.of("zone", "b")).build(), LABELS))
        .isFalse();
  }

  @ParameterizedTest
  @CsvSource({"1024,1024", "4Gi,4294967296", "128Mi,134217728", "2k,2000", "1Pi,1125899906842624"})
  void quantities(String text, long bytes) {
    assertThat(Quantities.bytes(text)).contains(bytes);
  }

  @Test
  void badQuantitiesAndFormatting() {
    assertThat(Quantities.bytes("1.5Gi")).isEmpty();
    assertThat(Quantities.bytes("99999999999Pi")).isEmpty();
    assertThat(Quantities.bytes(null)).isEmpty();
    assertThat(Quantities.format(96L << 30)).isEqualTo("96Gi");
    assertThat(Quantities.format(1536L << 20)).isEqualTo("1536Mi");
    assertThat(Quantities.format(0)).isEqualTo("0");
  }

  @Test
  void goDurations() {
    assertThat(GoDurations.parse("1h30m")).contains(Duration.ofMinutes(90));
    assertThat(GoDurations.parse("1.5s")).contains(Duration.ofMillis(1500));
    assertThat(GoDurations.parse("10m")).contains(Duration.ofMinutes(10));
    assertThat(GoDurations.parse("10")).isEmpty();
    assertThat(GoDurations.parse("5m junk")).isEmpty();
  }

  @Test
  void deviceSelectorCriteriaAllHold() {
    DeviceSelector s = new DeviceSelector();
    s.regions = List.of("region0");
    s.minSize = "4Gi";
    assertThat(DeviceSelectors.matches(s, Fixtures.device("dax0.0", "region0", 8L << 30))).isTrue();
    assertThat(DeviceSelectors.matches(s, Fixtures.device("dax0.1", "region0", 2L << 30)))
        .isFalse();
    assertThat(DeviceSelectors.matches(s, Fixtures.device("dax1.0", "region1", 8L << 30)))
        .isFalse();
    s.regions = null;
    s.memoryType = MemoryType.CXL;
    assertThat(DeviceSelectors.matches(s, Fixtures.device("dax0.0", "region0", 8L << 30)))
        .isFalse();
  }
}
