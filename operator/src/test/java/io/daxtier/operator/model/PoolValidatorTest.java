package io.daxtier.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import io.daxtier.operator.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's validator reports the shared bounds (PoolSpecLimits) with the field named. */
class PoolValidatorTest {

  @Test
  void aPoolWithinBoundsIsValid() {
    assertThat(PoolValidator.validate(Fixtures.pool("p", "2026-01-01T00:00:00Z", Map.of())))
        .isEmpty();
  }

  @Test
  void anAbsurdUnitNamesTheField() {
    PmemPool p = Fixtures.pool("p", "2026-01-01T00:00:00Z", Map.of());
    p.getSpec().resource.unit = "9999999Ti";
    assertThat(PoolValidator.validate(p))
        .hasValueSatisfying(m -> assertThat(m).contains("resource.unit: must be at most 1Ti"));
  }

  @Test
  void aTwentyDigitProvisionSizeNamesTheField() {
    PmemPool p = Fixtures.pool("p", "2026-01-01T00:00:00Z", Map.of());
    p.getSpec().devices.provision = new ProvisionSpec();
    p.getSpec().devices.provision.size = "12345678901234567890";
    assertThat(PoolValidator.validate(p))
        .hasValueSatisfying(m -> assertThat(m).contains("devices.provision.size"));
  }
}
