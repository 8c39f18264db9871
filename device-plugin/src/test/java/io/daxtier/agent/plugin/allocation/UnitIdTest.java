package io.daxtier.agent.plugin.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitIdTest {

  @ParameterizedTest
  @CsvSource({"2,7,node2-0007", "0,0,node0-0000", "12,12345,node12-12345"})
  void formatsAndParsesBack(int node, int index, String id) {
    assertThat(new UnitId(node, index)).hasToString(id);
    assertThat(UnitId.parse(id)).contains(new UnitId(node, index));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dax0.0", "node2-7", "node-0001", "node2-0001x", ""})
  void rejectsOtherIds(String id) {
    assertThat(UnitId.parse(id)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"-1,0", "0,-1"})
  void rejectsNegativeParts(int node, int index) {
    assertThatThrownBy(() -> new UnitId(node, index)).isInstanceOf(IllegalArgumentException.class);
  }
}
