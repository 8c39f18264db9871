package io.daxtier.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every validation rule of the generated PmemPool CRD, with an accepted and a rejected example
 * each, evaluated the way the API server does (defaults, OpenAPI schema, CEL rules). The coverage
 * check at the end fails when a CEL rule exists that no rejected example exercises.
 */
class PmemPoolValidationTest {
  private static final CrdValidator POOLS = CrdValidator.forCrd("pmempools.daxtier.io");
  private static final Set<String> RULES_SEEN_REJECTING = ConcurrentHashMap.newKeySet();

  static Map<String, Object> pool(String spec) {
    String indented = spec.isBlank() ? "  {}" : spec.stripIndent().indent(2);
    return CrdValidator.yaml(
        "apiVersion: daxtier.io/v1alpha1\nkind: PmemPool\nmetadata:\n  name: p\nspec:\n"
            + indented);
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("empty spec takes every default", ""),
        Arguments.of("custom resource name", "resource:\n  name: example.com/pmem-fast"),
        Arguments.of("unit at the minimum", "resource:\n  unit: 128Mi"),
        Arguments.of("unit in Gi", "resource:\n  unit: 4Gi"),
        Arguments.of("unit in Ti", "resource:\n  unit: 1Ti"),
        Arguments.of("DevDax without online/tiering", "mode: DevDax"),
        Arguments.of(
            "SystemRam with online and tiering",
            "mode: SystemRam\nonline:\n  zone: Normal\ntiering:\n  demotion: true"),
        Arguments.of("maxAge compound duration", "policy:\n  scrub:\n    maxAge: 1h30m"),
        Arguments.of("maxAge fractional", "policy:\n  scrub:\n    maxAge: 1.5h"),
        Arguments.of("Erase confirmed", "release:\n  action: Erase\n  confirmErase: true"),
        Arguments.of("Offline needs no confirmation", "release:\n  action: Offline"),
        Arguments.of(
            "device names and regions",
            "devices:\n  daxDevices: [dax0.0, dax12.3]\n  regions: [region0, region11]"),
        Arguments.of("minSize quantity", "devices:\n  minSize: 16Gi\n  memoryType: cxl"),
        Arguments.of("maxBadBlocks zero", "policy:\n  scrub:\n    maxBadBlocks: 0"),
        Arguments.of("drainTimeout", "release:\n  drainTimeout: 90s\n  maxUnavailable: 3"),
        Arguments.of(
            "selector",
            "nodeSelector:\n  matchLabels:\n    daxtier.io/pmem: present\n"
                + "  matchExpressions:\n  - {key: zone, operator: In, values: [a]}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void accepts(String description, String spec) {
    assertThat(POOLS.validateCreate(pool(spec))).isEmpty();
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("resource name without domain", "resource:\n  name: pmem", "pattern"),
        Arguments.of("resource name upper case", "resource:\n  name: Example.com/pmem", "pattern"),
        Arguments.of(
            "resource name in kubernetes.io",
            "resource:\n  name: kubernetes.io/pmem",
            "must not be in the kubernetes.io or k8s.io domain"),
        Arguments.of(
            "resource name in a kubernetes.io subdomain",
            "resource:\n  name: pmem.kubernetes.io/fast",
            "must not be in the kubernetes.io or k8s.io domain"),
        Arguments.of(
            "resource name in k8s.io",
            "resource:\n  name: k8s.io/pmem",
            "must not be in the kubernetes.io or k8s.io domain"),
        Arguments.of(
            "unit below 128Mi", "resource:\n  unit: 64Mi", "resource.unit must be at least 128Mi"),
        Arguments.of("unit not a binary quantity", "resource:\n  unit: 1G", "pattern"),
        Arguments.of(
            "unit above 1Ti", "resource:\n  unit: 9999999Ti", "resource.unit must be at most 1Ti"),
        Arguments.of(
            "minSize above 64Ti",
            "devices:\n  minSize: 65Ti",
            "devices.minSize must be at most 64Ti"),
        Arguments.of(
            "provision size above 64Ti",
            "devices:\n  provision:\n    size: 1Pi",
            "devices.provision.size must be at most 64Ti"),
        Arguments.of(
            "provision size of 20 digits",
            "devices:\n  provision:\n    size: \"12345678901234567890\"",
            "must be at most 17 characters long"),
        Arguments.of(
            "maxAge above 30 days",
            "policy:\n  scrub:\n    maxAge: 721h",
            "policy.scrub.maxAge must be at most 720h"),
        Arguments.of(
            "drainTimeout above 30 days",
            "release:\n  drainTimeout: 800h",
            "release.drainTimeout must be at most 720h"),
        Arguments.of(
            "maxBadBlocks above 512", "policy:\n  scrub:\n    maxBadBlocks: 513", "maximum"),
        Arguments.of(
            "too many matchLabels",
            "nodeSelector:\n  matchLabels: {"
                + java.util.stream.IntStream.range(0, 65)
                    .mapToObj(i -> "l" + i + ": v")
                    .collect(java.util.stream.Collectors.joining(", "))
                + "}",
            "nodeSelector takes at most 64 matchLabels"),
        Arguments.of(
            "DevDax with online",
            "mode: DevDax\nonline:\n  zone: Movable",
            "online and tiering apply to SystemRam pools only"),
        Arguments.of(
            "DevDax with tiering",
            "mode: DevDax\ntiering:\n  demotion: false",
            "online and tiering apply to SystemRam pools only"),
        Arguments.of("maxAge not a duration", "policy:\n  scrub:\n    maxAge: 1 day", "pattern"),
        Arguments.of("maxAge without unit", "policy:\n  scrub:\n    maxAge: \"24\"", "pattern"),
        Arguments.of(
            "Erase unconfirmed",
            "release:\n  action: Erase",
            "set release.confirmErase: true to confirm"),
        Arguments.of(
            "Erase confirmation false",
            "release:\n  action: Erase\n  confirmErase: false",
            "set release.confirmErase: true to confirm"),
        Arguments.of("unknown mode", "mode: Swap", "enum"),
        Arguments.of("unknown memory type", "devices:\n  memoryType: nvme", "enum"),
        Arguments.of("unknown zone", "online:\n  zone: Dma32", "enum"),
        Arguments.of("unknown scrub mode", "policy:\n  scrub:\n    beforeOnline: Never", "enum"),
        Arguments.of("unknown encryption", "policy:\n  encryption: Maybe", "enum"),
        Arguments.of("unknown recoverability", "policy:\n  recoverability: Sure", "enum"),
        Arguments.of("unknown poison action", "policy:\n  poison:\n    onNewPoison: Panic", "enum"),
        Arguments.of("unknown topology", "resource:\n  topology: Socket", "enum"),
        Arguments.of("unknown release action", "release:\n  action: Shred", "enum"),
        Arguments.of("negative maxBadBlocks", "policy:\n  scrub:\n    maxBadBlocks: -1", "minimum"),
        Arguments.of("zero maxUnavailable", "release:\n  maxUnavailable: 0", "minimum"),
        Arguments.of("drainTimeout not a duration", "release:\n  drainTimeout: soon", "pattern"),
        Arguments.of("bad device name", "devices:\n  daxDevices: [dax0]", "pattern"),
        Arguments.of("bad region name", "devices:\n  regions: [pmem0]", "pattern"),
        Arguments.of("minSize not a quantity", "devices:\n  minSize: big", "pattern"),
        Arguments.of("provision align", "devices:\n  provision:\n    align: 3Mi", "pattern"),
        Arguments.of("misspelt field", "polcy:\n  encryption: Required", "unknown field"),
        Arguments.of("wrong type", "tiering:\n  demotion: yes-please", "boolean"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void rejects(String description, String spec, String expected) {
    List<CrdValidator.Violation> violations = POOLS.validateCreate(pool(spec));
    assertThat(violations).as(description).isNotEmpty();
    assertThat(violations.toString()).as(description).contains(expected);
    violations.forEach(v -> RULES_SEEN_REJECTING.add(v.rule()));
  }

  @Test
  void resourceNameIsImmutable() {
    var before = pool("resource:\n  name: example.com/pmem");
    var renamed = pool("resource:\n  name: example.com/other");
    List<CrdValidator.Violation> violations = POOLS.validateUpdate(before, renamed);
    assertThat(violations.toString()).contains("resource.name is immutable");
    violations.forEach(v -> RULES_SEEN_REJECTING.add(v.rule()));

    assertThat(
            POOLS.validateUpdate(before, pool("resource:\n  name: example.com/pmem\n  unit: 2Gi")))
        .isEmpty();
  }

  @Test
  void resourceNameIsImmutableAlsoWhenItWasDefaulted() {
    var defaulted = pool("mode: SystemRam");
    assertThat(POOLS.validateUpdate(defaulted, pool("resource:\n  name: example.com/other")))
        .extracting(CrdValidator.Violation::message)
        .anySatisfy(m -> assertThat(m).contains("immutable"));
    assertThat(POOLS.validateUpdate(defaulted, pool("resource:\n  name: daxtier.io/pmem")))
        .isEmpty();
  }

  @Test
  void createIgnoresTransitionRules() {
    assertThat(POOLS.validateCreate(pool("resource:\n  name: example.com/new"))).isEmpty();
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    PmemPoolSpec spec = new PmemPoolSpec();
    assertThat(spec.mode).isEqualTo(PoolMode.SystemRam);
    assertThat(spec.effectiveZone()).isEqualTo(Zone.Movable);
    assertThat(spec.resource.name).isEqualTo("daxtier.io/pmem");
    assertThat(spec.resource.unit).isEqualTo("1Gi");
    assertThat(spec.policy.scrub.beforeOnline).isEqualTo(ScrubMode.IfSupported);
    assertThat(spec.policy.encryption).isEqualTo(EncryptionPolicy.Preferred);
    assertThat(spec.release.action).isEqualTo(ReleaseAction.Keep);
    assertThat(spec.online).as("online stays absent so DevDax pools validate").isNull();
  }

  @AfterAll
  static void everyCelRuleHasARejectingExample() {
    assertThat(RULES_SEEN_REJECTING)
        .as("CEL rules of the PmemPool CRD exercised by a rejected example")
        .containsAll(POOLS.allRules());
  }
}
