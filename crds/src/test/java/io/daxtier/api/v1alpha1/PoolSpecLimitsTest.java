package io.daxtier.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One table of field values, checked twice: by {@link PoolSpecLimits} (the agent's and operator's
 * check) and by the generated CRD's schema and CEL rules (the API server's). Both must give the
 * same verdict, and both must name the field.
 */
class PoolSpecLimitsTest {
  private static final CrdValidator POOLS = CrdValidator.forCrd("pmempools.daxtier.io");
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static final String TWENTY_DIGITS = "12345678901234567890";

  /** field (dotted, under spec), spec YAML, expected error text (null: accepted). */
  static Stream<Arguments> table() {
    return Stream.of(
        row("resource.unit", "resource:\n  unit: 128Mi", null),
        row("resource.unit", "resource:\n  unit: 1Ti", null),
        row("resource.unit", "resource:\n  unit: 1024Gi", null),
        row("resource.unit", "resource:\n  unit: 1048576Mi", null),
        row("resource.unit", "resource:\n  unit: 64Mi", "resource.unit: must be at least 128Mi"),
        row("resource.unit", "resource:\n  unit: 2Ti", "resource.unit: must be at most 1Ti"),
        row("resource.unit", "resource:\n  unit: 1025Gi", "resource.unit: must be at most 1Ti"),
        row("resource.unit", "resource:\n  unit: 1048577Mi", "resource.unit: must be at most 1Ti"),
        row("resource.unit", "resource:\n  unit: 9999999Ti", "resource.unit: must be at most 1Ti"),
        row("resource.unit", "resource:\n  unit: 99999999Ti", "resource.unit: not a unit between"),
        row("resource.unit", "resource:\n  unit: 1G", "resource.unit: not a unit between"),
        row("resource.name", "resource:\n  name: example.com/pmem", null),
        row(
            "resource.name",
            "resource:\n  name: " + "a".repeat(320) + ".com/pmem",
            "resource.name: at most 317 characters"),
        row(
            "resource.name",
            "resource:\n  name: k8s.io/pmem",
            "resource.name: must not be in the kubernetes.io or k8s.io domain"),
        row("devices.minSize", "devices:\n  minSize: 64Ti", null),
        row("devices.minSize", "devices:\n  minSize: \"0\"", null),
        row("devices.minSize", "devices:\n  minSize: \"70368744177664\"", null),
        row(
            "devices.minSize",
            "devices:\n  minSize: 65Ti",
            "devices.minSize: must be at most 64Ti"),
        row("devices.minSize", "devices:\n  minSize: 1Pi", "devices.minSize: must be at most 64Ti"),
        row(
            "devices.minSize",
            "devices:\n  minSize: \"70368744177665\"",
            "devices.minSize: must be at most 64Ti"),
        row(
            "devices.minSize",
            "devices:\n  minSize: 68719476737Ki",
            "devices.minSize: must be at most 64Ti"),
        row(
            "devices.minSize",
            "devices:\n  minSize: \"" + TWENTY_DIGITS + "\"",
            "devices.minSize: not a size of at most 64Ti"),
        row("devices.provision.size", "devices:\n  provision:\n    size: 64Gi", null),
        row("devices.provision.size", "devices:\n  provision:\n    size: 65536Gi", null),
        row(
            "devices.provision.size",
            "devices:\n  provision:\n    size: 65537Gi",
            "devices.provision.size: must be at most 64Ti"),
        row(
            "devices.provision.size",
            "devices:\n  provision:\n    size: \"" + TWENTY_DIGITS + "\"",
            "devices.provision.size: not a size of at most 64Ti"),
        row(
            "devices.provision.size",
            "devices:\n  provision:\n    size: " + TWENTY_DIGITS + "Gi",
            "devices.provision.size: not a size of at most 64Ti"),
        row(
            "devices.daxDevices",
            "devices:\n  daxDevices: [" + list("dax0.", 257) + "]",
            "devices.daxDevices: at most 256 entries"),
        row("devices.regions", "devices:\n  regions: [" + list("region", 256) + "]", null),
        row(
            "devices.regions",
            "devices:\n  regions: [region" + "1".repeat(40) + "]",
            "devices.regions: not a valid name"),
        row("policy.scrub.maxBadBlocks", "policy:\n  scrub:\n    maxBadBlocks: 512", null),
        row(
            "policy.scrub.maxBadBlocks",
            "policy:\n  scrub:\n    maxBadBlocks: 513",
            "policy.scrub.maxBadBlocks: must be between 0 and 512"),
        row(
            "policy.scrub.maxBadBlocks",
            "policy:\n  scrub:\n    maxBadBlocks: -1",
            "policy.scrub.maxBadBlocks: must be between 0 and 512"),
        row("policy.scrub.maxAge", "policy:\n  scrub:\n    maxAge: 720h", null),
        row("policy.scrub.maxAge", "policy:\n  scrub:\n    maxAge: 719h60m", null),
        row(
            "policy.scrub.maxAge",
            "policy:\n  scrub:\n    maxAge: 720h1s",
            "policy.scrub.maxAge: must be at most 720h"),
        row(
            "policy.scrub.maxAge",
            "policy:\n  scrub:\n    maxAge: 99999999999h",
            "policy.scrub.maxAge: must be at most 720h"),
        row(
            "policy.scrub.maxAge",
            "policy:\n  scrub:\n    maxAge: " + "1h".repeat(17),
            "policy.scrub.maxAge: not a duration of at most 720h"),
        row("release.drainTimeout", "release:\n  drainTimeout: 30m", null),
        row(
            "release.drainTimeout",
            "release:\n  drainTimeout: 31d",
            "release.drainTimeout: not a duration of at most 720h"),
        row(
            "release.drainTimeout",
            "release:\n  drainTimeout: 43201m",
            "release.drainTimeout: must be at most 720h"),
        row("nodeSelector.matchLabels", "nodeSelector:\n  matchLabels: {" + labels(64) + "}", null),
        row(
            "nodeSelector.matchLabels",
            "nodeSelector:\n  matchLabels: {" + labels(65) + "}",
            "nodeSelector.matchLabels: at most 64 labels"),
        row(
            "nodeSelector.matchExpressions",
            "nodeSelector:\n  matchExpressions: [" + expressions(33) + "]",
            "nodeSelector.matchExpressions: at most 32 expressions"));
  }

  private static Arguments row(String field, String spec, String error) {
    return Arguments.of(field, spec, error);
  }

  private static String list(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> prefix + i).collect(Collectors.joining(", "));
  }

  private static String labels(int n) {
    return IntStream.range(0, n).mapToObj(i -> "l" + i + ": v").collect(Collectors.joining(", "));
  }

  private static String expressions(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> "{key: k" + i + ", operator: Exists}")
        .collect(Collectors.joining(", "));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("table")
  void limits(String field, String spec, String error) {
    PmemPool pool =
        SERIALIZATION.unmarshal(
            SERIALIZATION.asJson(PmemPoolValidationTest.pool(spec)), PmemPool.class);
    List<String> errors = PoolSpecLimits.check(pool.getSpec());
    if (error == null) {
      assertThat(errors).as(field).isEmpty();
    } else {
      assertThat(errors).as(field).hasSize(1);
      assertThat(errors.get(0)).startsWith(field + ": ").contains(error);
    }
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("table")
  void crdGivesTheSameVerdict(String field, String spec, String error) {
    List<CrdValidator.Violation> violations =
        POOLS.validateCreate(PmemPoolValidationTest.pool(spec));
    if (error == null) {
      assertThat(violations).as(field).isEmpty();
    } else {
      assertThat(violations).as(field).isNotEmpty();
      // The API server names the field by its path (.spec.resource.unit, or the enclosing object's
      // for a rule on it, as nodeSelector's; a list item's below it); the CEL messages also spell
      // it out.
      String path = ".spec." + field;
      assertThat(violations)
          .as(field)
          .anySatisfy(
              v -> {
                String at = v.path().replace('/', '.');
                assertThat(path.startsWith(at) || at.startsWith(path)).as(at).isTrue();
              });
    }
  }
}
