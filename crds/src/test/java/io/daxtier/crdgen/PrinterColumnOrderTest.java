package io.daxtier.crdgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl get} shows the printer columns in the order the classes declare them, not in
 * Fabric8's JSON-path order. Reads the CRDs the build generated (and {@link PrinterColumnOrder}
 * reordered); CrdDriftTest keeps the chart's copies equal to them.
 */
class PrinterColumnOrderTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");

  private static List<String> columns(Class<?> type) throws IOException {
    CustomResourceDefinition crd =
        new KubernetesSerialization()
            .unmarshal(
                Files.readString(GENERATED.resolve(PrinterColumnOrder.crdFileName(type))),
                CustomResourceDefinition.class);
    return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
        .map(CustomResourceColumnDefinition::getName)
        .toList();
  }

  @Test
  void pmemPoolColumnsReadModeReadyMatchedOnlineStatusAge() throws IOException {
    assertThat(columns(PmemPool.class))
        .containsExactly("Mode", "Ready", "Matched", "Online", "Status", "Age");
  }

  @Test
  void everyCrdFollowsItsClass() throws IOException {
    for (Class<?> type : List.of(PmemPool.class, PmemNode.class)) {
      assertThat(columns(type))
          .as(type.getSimpleName())
          .containsExactlyElementsOf(PrinterColumnOrder.declaredOrder(type))
          .last()
          .isEqualTo("Age");
    }
  }

  @Test
  void reorderMovesWholeItemsAndKeepsTheRest() {
    String yaml =
        """
        spec:
          versions:
          - additionalPrinterColumns:
            - jsonPath: ".metadata.creationTimestamp"
              name: "Age"
              type: "date"
            - jsonPath: ".spec.mode"
              name: "Mode"
              type: "string"
            name: "v1alpha1"
        """;

    assertThat(PrinterColumnOrder.reorder(yaml, List.of("Mode", "Age")))
        .isEqualTo(
            """
            spec:
              versions:
              - additionalPrinterColumns:
                - jsonPath: ".spec.mode"
                  name: "Mode"
                  type: "string"
                - jsonPath: ".metadata.creationTimestamp"
                  name: "Age"
                  type: "date"
                name: "v1alpha1"
            """);
    assertThatThrownBy(() -> PrinterColumnOrder.reorder(yaml, List.of("Mode")))
        .hasMessageContaining("differ from the declared");
  }
}
