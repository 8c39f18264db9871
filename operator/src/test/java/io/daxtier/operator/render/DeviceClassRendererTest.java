package io.daxtier.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClassBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The DeviceClass a pool needs, and how its status reports it (pure). */
class DeviceClassRendererTest {
  static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");

  static PmemPool pool(String name, ResourceApi api) {
    PmemPool p = new PmemPool();
    p.setMetadata(new ObjectMetaBuilder().withName(name).withUid("uid-" + name).build());
    p.getSpec().resource.api = api;
    return p;
  }

  @Test
  void aDraPoolGetsItsClass() {
    DeviceClass dc = DeviceClassRenderer.desired(pool("cxl", ResourceApi.DRA)).orElseThrow();
    assertThat(dc.getMetadata().getName()).isEqualTo("cxl.memory.daxtier.io");
    assertThat(dc.getSpec().getExtendedResourceName()).isEqualTo("daxtier.io/pmem");
    assertThat(dc.getSpec().getSelectors().get(0).getCel().getExpression())
        .isEqualTo(
            "device.driver == \"memory.daxtier.io\""
                + " && device.attributes[\"memory.daxtier.io\"].pool == \"cxl\"");
    assertThat(dc.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo("uid-cxl");
    assertThat(dc.getApiVersion()).isEqualTo("resource.k8s.io/v1");
  }

  @Test
  void devicePluginAndDeletedPoolsNeedNone() {
    assertThat(DeviceClassRenderer.desired(pool("dp", ResourceApi.DevicePlugin))).isEmpty();
    PmemPool unset = pool("unset", null);
    assertThat(DeviceClassRenderer.desired(unset)).as("defaults to DevicePlugin").isEmpty();
    PmemPool deleting = pool("bye", ResourceApi.DRA);
    deleting.getMetadata().setDeletionTimestamp("2026-03-01T00:00:00Z");
    assertThat(DeviceClassRenderer.desired(deleting)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {235, 236, 253})
  void longPoolNamesStayValidUniqueAndStable(int length) {
    String pool = "a".repeat(length - 2) + "-b";
    String name = DeviceClassRenderer.name(pool);
    assertThat(name).hasSizeLessThanOrEqualTo(253).endsWith(".memory.daxtier.io");
    assertThat(name).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    assertThat(DeviceClassRenderer.name(pool)).isEqualTo(name);
    assertThat(DeviceClassRenderer.name(pool.replace("-b", "-c"))).isNotEqualTo(name);
    assertThat(DeviceClassRenderer.label(pool)).hasSizeLessThanOrEqualTo(63);
  }

  @Test
  void sameIgnoresWhatOthersAddedButNotOurFields() {
    DeviceClass want = DeviceClassRenderer.desired(pool("p", ResourceApi.DRA)).orElseThrow();
    Map<String, String> labels = new HashMap<>(want.getMetadata().getLabels());
    labels.put("team", "x");
    DeviceClass current =
        new DeviceClassBuilder(want)
            .editMetadata()
            .withLabels(labels)
            .withResourceVersion("7")
            .addToAnnotations("note", "kept")
            .endMetadata()
            .build();
    assertThat(DeviceClassRenderer.same(current, want)).isTrue();
    DeviceClass renamed =
        new DeviceClassBuilder(current)
            .editSpec()
            .withExtendedResourceName("x.io/y")
            .endSpec()
            .build();
    assertThat(DeviceClassRenderer.same(renamed, want)).isFalse();
  }

  @Test
  void statusNamesTheClassOrSaysWhyNot() {
    PmemPool p = pool("p", ResourceApi.DRA);
    PmemPoolStatus s = new PmemPoolStatus();
    PoolStatusCalculator.withDeviceClass(
        p, s, new DeviceClassOutcome.Ready("p.memory.daxtier.io"), NOW);
    assertThat(s.deviceClass).isEqualTo("p.memory.daxtier.io");
    assertThat(s.conditions)
        .singleElement()
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"));

    PmemPoolStatus old = new PmemPoolStatus();
    PoolStatusCalculator.withDeviceClass(
        p, old, new DeviceClassOutcome.Unavailable("p.memory.daxtier.io"), NOW);
    Condition c = old.conditions.get(0);
    assertThat(c.getReason()).isEqualTo(PoolStatusCalculator.DRA_UNAVAILABLE);
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(old.deviceClass).isNull();

    // unchanged keeps the previous condition as it was, transition time included
    p.setStatus(old);
    PmemPoolStatus next = new PmemPoolStatus();
    next.conditions = new ArrayList<>();
    PoolStatusCalculator.withDeviceClass(
        p, next, new DeviceClassOutcome.Unchanged(), NOW.plusSeconds(60));
    assertThat(next.conditions).containsExactly(c);

    PmemPoolStatus plain = new PmemPoolStatus();
    PoolStatusCalculator.withDeviceClass(
        pool("dp", ResourceApi.DevicePlugin), plain, new DeviceClassOutcome.None(), NOW);
    assertThat(plain.conditions).isEmpty();
    assertThat(plain.deviceClass).isNull();
  }
}
