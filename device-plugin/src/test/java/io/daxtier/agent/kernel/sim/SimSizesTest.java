package io.daxtier.agent.kernel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.agent.model.Sizes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The simulator's own size parser (it does not depend on the API module) reads node descriptions as
 * the agent's {@link Sizes} does.
 */
class SimSizesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "0",
        "512",
        "128Mi",
        "1Gi",
        "2Ti",
        "1Pi",
        "4k",
        "1G",
        "3T",
        " 64Mi ",
        "0x100000000"
      })
  void sizesAsTheAgentReadsThem(String text) {
    assertThat(SimSizes.parse(text)).isEqualTo(Sizes.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.5Gi", "-1", "1gi", "1GiB", "99999999999999999999", "9999999Pi"})
  void notSizesEither(String text) {
    assertThatThrownBy(() -> Sizes.parse(text)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimSizes.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0x1000", "1000", "FFFF", "0XaB"})
  void hexAsTheAgentReadsIt(String text) {
    assertThat(SimSizes.parseHex(text)).isEqualTo(Sizes.parseHex(text));
  }
}
