package io.daxtier.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs committed in the Helm chart are exactly the ones generated from the API classes. On
 * failure, regenerate them with {@code mvn -pl crds -Pupdate-crds process-classes} and commit.
 */
class CrdDriftTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path CHART =
      Path.of(System.getProperty("daxtier.chartCrds", "../helm/daxtier/crds"));

  @Test
  void chartCrdsMatchTheGeneratedOnes() throws IOException {
    List<Path> generated = list(GENERATED);
    assertThat(generated).extracting(p -> p.getFileName().toString()).isNotEmpty();
    assertThat(list(CHART))
        .as("CRD files in %s (regenerate: mvn -pl crds -Pupdate-crds process-classes)", CHART)
        .extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrderElementsOf(
            generated.stream().map(p -> p.getFileName().toString()).toList());
    for (Path file : generated) {
      assertThat(Files.readString(CHART.resolve(file.getFileName()), StandardCharsets.UTF_8))
          .as(
              "%s drifted from the API classes (regenerate: mvn -pl crds -Pupdate-crds"
                  + " process-classes)",
              file.getFileName())
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
    }
  }
}
