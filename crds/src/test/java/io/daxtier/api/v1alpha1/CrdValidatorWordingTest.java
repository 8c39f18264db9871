package io.daxtier.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each violation names its field and is worded as the API server words a cause. */
class CrdValidatorWordingTest {
  private static final CrdValidator POOLS = CrdValidator.forCrd("pmempools.daxtier.io");

  @Test
  void aCelRuleNamesTheFieldAndTheValueType() {
    List<CrdValidator.Violation> v =
        POOLS.validateCreate(PmemPoolValidationTest.pool("resource:\n  name: kubernetes.io/pmem"));
    assertThat(v)
        .extracting(CrdValidator.Violation::apiMessage)
        .contains(
            "spec.resource.name: Invalid value: \"string\": resource.name must not be in the"
                + " kubernetes.io or k8s.io domain");
    assertThat(v).allSatisfy(x -> assertThat(x.reason()).isEqualTo("FieldValueInvalid"));
  }

  @Test
  void anEnumIsAnUnsupportedValue() {
    List<CrdValidator.Violation> v =
        POOLS.validateCreate(PmemPoolValidationTest.pool("mode: Nope"));
    assertThat(v)
        .extracting(CrdValidator.Violation::apiMessage)
        .containsExactly(
            "spec.mode: Unsupported value: \"Nope\": supported values: \"DevDax\", \"SystemRam\"");
    assertThat(v.get(0).field()).isEqualTo("spec.mode");
    assertThat(v.get(0).reason()).isEqualTo("FieldValueNotSupported");
  }

  @Test
  void aPatternShowsTheValueAndThePattern() {
    List<CrdValidator.Violation> v =
        POOLS.validateCreate(PmemPoolValidationTest.pool("resource:\n  name: pmem"));
    assertThat(v)
        .extracting(CrdValidator.Violation::apiMessage)
        .anySatisfy(
            m ->
                assertThat(m)
                    .startsWith("spec.resource.name: Invalid value: \"pmem\": ")
                    .contains("spec.resource.name in body should match '"));
  }

  @Test
  void anUnknownFieldIsMarkedAsSuch() {
    List<CrdValidator.Violation> v = POOLS.validateCreate(PmemPoolValidationTest.pool("bogus: 1"));
    assertThat(v).anySatisfy(x -> assertThat(x.unknownField()).isTrue());
    assertThat(v).extracting(CrdValidator.Violation::field).contains("spec.bogus");
  }
}
