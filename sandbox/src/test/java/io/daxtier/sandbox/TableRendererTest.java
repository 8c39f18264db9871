package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TableRendererTest {
  private static final Clock NOW =
      Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

  private static final Map<String, Object> NODE =
      Map.of(
          "metadata",
          Map.of("name", "worker-1", "creationTimestamp", "2026-11-25T11:00:00Z"),
          "status",
          Map.of(
              "devicesSummary",
              "2/3",
              "conditions",
              List.of(
                  Map.of("type", "Degraded", "status", "False"),
                  Map.of("type", "Ready", "status", "True"))));

  @Test
  void evaluatesPlainAndFilteredPaths() {
    assertThat(TableRenderer.at(NODE, ".status.devicesSummary")).isEqualTo("2/3");
    assertThat(TableRenderer.at(NODE, ".status.conditions[?(@.type==\"Ready\")].status"))
        .isEqualTo("True");
    assertThat(TableRenderer.at(NODE, ".status.conditions[?(@.type==\"Conflict\")].status"))
        .isNull();
    assertThat(TableRenderer.at(NODE, ".status.missing.deeper")).isNull();
  }

  @Test
  void rendersNameThenPrinterColumnsWithAges() {
    var renderer =
        new TableRenderer(
            List.of(
                new CustomResourceColumnDefinitionBuilder()
                    .withName("Devices")
                    .withType("string")
                    .withJsonPath(".status.devicesSummary")
                    .build(),
                new CustomResourceColumnDefinitionBuilder()
                    .withName("Age")
                    .withType("date")
                    .withJsonPath(".metadata.creationTimestamp")
                    .build()),
            NOW);
    Map<String, Object> table = renderer.table(List.of(NODE), "7");
    assertThat(table).containsEntry("kind", "Table");
    @SuppressWarnings("unchecked")
    var rows = (List<Map<String, Object>>) table.get("rows");
    assertThat(rows.get(0).get("cells")).isEqualTo(List.of("worker-1", "2/3", "60m"));
  }

  @ParameterizedTest
  @CsvSource({
    "2026-11-25T11:59:15Z, 45s",
    "2026-11-25T11:56:48Z, 3m12s",
    "2026-11-25T11:43:00Z, 17m",
    "2026-11-25T06:56:00Z, 5h4m",
    "2026-11-24T12:00:00Z, 24h",
    "2026-11-20T12:00:00Z, 5d"
  })
  void formatsAgesLikeTheApiServer(String created, String age) {
    assertThat(new TableRenderer(List.of(), NOW).age(created)).isEqualTo(age);
  }
}
