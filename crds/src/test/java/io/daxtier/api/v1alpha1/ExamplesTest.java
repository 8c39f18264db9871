package io.daxtier.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every PmemPool in examples/ passes the CRD's validation and maps onto the Java API. */
class ExamplesTest {
  private static final Path EXAMPLES =
      Path.of(System.getProperty("daxtier.examples", "../examples"));
  private static final CrdValidator POOLS = CrdValidator.forCrd("pmempools.daxtier.io");

  static List<Path> examplePools() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(p -> p.toString().endsWith("-pool.yaml")).sorted().toList();
    }
  }

  @Test
  void theFourDocumentedExamplesExist() throws IOException {
    assertThat(examplePools())
        .extracting(p -> p.getFileName().toString())
        .contains("basic-pool.yaml", "strict-pool.yaml", "devdax-pool.yaml", "cxl-pool.yaml");
  }

  @ParameterizedTest
  @MethodSource("examplePools")
  void exampleIsAValidPmemPool(Path file) throws IOException {
    String text = Files.readString(file);
    assertThat(POOLS.validateCreate(CrdValidator.yaml(text))).as(file.toString()).isEmpty();

    PmemPool pool = new KubernetesSerialization().unmarshal(text, PmemPool.class);
    assertThat(pool.getMetadata().getName()).isNotBlank();
    assertThat(pool.getSpec().mode).isNotNull();
  }

  @Test
  void strictExampleRequiresEverySafetyRule() throws IOException {
    PmemPool strict =
        new KubernetesSerialization()
            .unmarshal(Files.readString(EXAMPLES.resolve("strict-pool.yaml")), PmemPool.class);
    assertThat(strict.getSpec().policy.scrub.beforeOnline).isEqualTo(ScrubMode.Required);
    assertThat(strict.getSpec().policy.encryption).isEqualTo(EncryptionPolicy.Required);
    assertThat(strict.getSpec().policy.recoverability).isEqualTo(RecoverabilityPolicy.Required);
  }
}
