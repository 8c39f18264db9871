package io.daxtier.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Node label selectors. Quantities, durations and device selectors are the shared rules' (crds,
 * io.daxtier.api.rules), tested there.
 */
class LabelSelectorsTest {
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
}
