package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.operator.render.DeviceClassOutcome;
import io.daxtier.operator.render.DeviceClassRenderer;
import io.daxtier.operator.render.PoolStatusCalculator;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A DRA pool's DeviceClass on the mock API server (which serves resource.k8s.io/v1 here): created
 * with the pool's selector, extended resource name, labels and owner; updated when the resource
 * name changes; deleted when the pool goes back to the device plugin or is deleted; a name someone
 * else holds is reported and left alone; nothing is written when nothing changed.
 */
@EnableKubernetesMockClient(crud = true)
class DeviceClassOnMockServerTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
  static Cluster cluster;
  static DaxtierOperator.Handle operator;

  /** What an API server of Kubernetes 1.34 or later answers on discovery of resource.k8s.io/v1. */
  static void serveResourceV1(KubernetesMockServer server) {
    server
        .expect()
        .get()
        .withPath("/apis/resource.k8s.io/v1")
        .andReturn(
            200,
            new APIResourceListBuilder()
                .withGroupVersion("resource.k8s.io/v1")
                .addNewResource()
                .withName("deviceclasses")
                .withKind("DeviceClass")
                .withNamespaced(false)
                .withSingularName("deviceclass")
                .withVerbs("create", "delete", "get", "list", "patch", "update", "watch")
                .endResource()
                .addNewResource()
                .withName("resourceslices")
                .withKind("ResourceSlice")
                .withNamespaced(false)
                .withSingularName("resourceslice")
                .withVerbs("create", "delete", "get", "list", "patch", "update", "watch")
                .endResource()
                .build())
        .always();
  }

  @BeforeAll
  static void start() {
    serveResourceV1(server);
    cluster = new Cluster(client);
    cluster.installCrds();
    operator =
        DaxtierOperator.start(client, OperatorConfig.fromEnvironment(Map.of()).embedded(), CLOCK);
  }

  @AfterAll
  static void stop() {
    operator.stop();
  }

  static Consumer<PmemPool> dra(String resourceName) {
    return p -> {
      p.getSpec().resource.api = ResourceApi.DRA;
      p.getSpec().resource.name = resourceName;
    };
  }

  /** A user's change to the spec (a merge patch: no conflict with the operator's own writes). */
  private static void patchSpec(String pool, String specJson) {
    client
        .resources(PmemPool.class)
        .withName(pool)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
  }

  private Optional<DeviceClass> deviceClass(String name) {
    return Optional.ofNullable(client.resources(DeviceClass.class).withName(name).get());
  }

  private Optional<Condition> condition(String pool) {
    return cluster
        .pool(pool)
        .map(PmemPool::getStatus)
        .flatMap(
            s ->
                s.conditions.stream()
                    .filter(c -> DeviceClassOutcome.CONDITION.equals(c.getType()))
                    .findFirst());
  }

  private boolean status(String pool, java.util.function.Predicate<PmemPoolStatus> test) {
    return cluster
        .pool(pool)
        .map(p -> p.getStatus() != null && test.test(p.getStatus()))
        .orElse(false);
  }

  @Test
  void aDraPoolGetsItsDeviceClassUpdatedOnANewNameAndRemovedWhenItGoesBackToTheDevicePlugin() {
    cluster.node("dra-1", Map.of("team", "dra"));
    PmemPool pool = cluster.pool("cxl", Map.of("team", "dra"), dra("daxtier.io/cxl"));

    await().until(() -> deviceClass("cxl.memory.daxtier.io").isPresent());
    DeviceClass dc = deviceClass("cxl.memory.daxtier.io").orElseThrow();
    assertThat(dc.getSpec().getExtendedResourceName()).isEqualTo("daxtier.io/cxl");
    assertThat(dc.getSpec().getSelectors()).hasSize(1);
    assertThat(dc.getSpec().getSelectors().get(0).getCel().getExpression())
        .isEqualTo(
            "device.driver == \"memory.daxtier.io\""
                + " && device.attributes[\"memory.daxtier.io\"].pool == \"cxl\"");
    assertThat(dc.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "daxtier-operator")
        .containsEntry("daxtier.io/pool", "cxl");
    assertThat(dc.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getApiVersion()).isEqualTo(Api.API_VERSION);
              assertThat(o.getKind()).isEqualTo("PmemPool");
              assertThat(o.getName()).isEqualTo("cxl");
              assertThat(o.getUid()).isEqualTo(pool.getMetadata().getUid());
              assertThat(o.getController()).isTrue();
            });
    await()
        .until(
            () ->
                status("cxl", s -> "cxl.memory.daxtier.io".equals(s.deviceClass))
                    && condition("cxl").map(c -> "True".equals(c.getStatus())).orElse(false));

    // the resource name changes (an API server without the CRD's immutability rule lets it)
    patchSpec("cxl", "{\"resource\":{\"name\":\"daxtier.io/cxl-tier\"}}");
    await()
        .until(
            () ->
                deviceClass("cxl.memory.daxtier.io")
                    .map(d -> "daxtier.io/cxl-tier".equals(d.getSpec().getExtendedResourceName()))
                    .orElse(false));

    // back to the device plugin: the class goes, and so do the status field and condition
    patchSpec("cxl", "{\"resource\":{\"api\":\"DevicePlugin\"}}");
    await().until(() -> deviceClass("cxl.memory.daxtier.io").isEmpty());
    await().until(() -> status("cxl", s -> s.deviceClass == null) && condition("cxl").isEmpty());
  }

  @Test
  void deletingADraPoolRemovesItsDeviceClass() {
    cluster.pool("gone", Map.of("team", "nobody"), dra(Api.DEFAULT_RESOURCE_NAME));
    await().until(() -> deviceClass("gone.memory.daxtier.io").isPresent());
    client.resources(PmemPool.class).withName("gone").delete();
    await().until(() -> deviceClass("gone.memory.daxtier.io").isEmpty());
    await().until(() -> cluster.pool("gone").isEmpty());
  }

  @Test
  void aDevicePluginPoolHasNoDeviceClassAndNoCondition() {
    cluster.node("dp-1", Map.of("team", "dp"));
    cluster.pool("plain", Map.of("team", "dp"), p -> {});
    await().until(() -> status("plain", s -> s.matchedNodes != null && s.matchedNodes == 1));
    assertThat(
            client
                .resources(DeviceClass.class)
                .withLabel("daxtier.io/pool", "plain")
                .list()
                .getItems())
        .isEmpty();
    assertThat(deviceClass("plain.memory.daxtier.io")).isEmpty();
    assertThat(condition("plain")).isEmpty();
    assertThat(cluster.pool("plain").orElseThrow().getStatus().deviceClass).isNull();
  }

  @Test
  void aNameSomeoneElseHoldsIsReportedAndLeftAlone() {
    client
        .resource(
            new DeviceClassBuilder()
                .withNewMetadata()
                .withName("taken.memory.daxtier.io")
                .endMetadata()
                .withNewSpec()
                .withExtendedResourceName("example.com/other")
                .endSpec()
                .build())
        .create();
    cluster.pool("taken", Map.of("team", "nobody"), dra(Api.DEFAULT_RESOURCE_NAME));
    await()
        .until(
            () ->
                condition("taken")
                    .map(
                        c ->
                            "False".equals(c.getStatus())
                                && PoolStatusCalculator.DEVICE_CLASS_NAME_TAKEN.equals(
                                    c.getReason()))
                    .orElse(false));
    DeviceClass dc = deviceClass("taken.memory.daxtier.io").orElseThrow();
    assertThat(dc.getSpec().getExtendedResourceName()).isEqualTo("example.com/other");
    assertThat(dc.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void aReconcileWithNothingNewWritesNothing() {
    cluster.node("still-1", Map.of("team", "still"));
    cluster.pool("still", Map.of("team", "still"), dra(Api.DEFAULT_RESOURCE_NAME));
    await()
        .until(
            () ->
                deviceClass("still.memory.daxtier.io").isPresent()
                    && condition("still").map(c -> "True".equals(c.getStatus())).orElse(false)
                    && status("still", s -> s.matchedNodes != null && s.matchedNodes == 1));
    await().during(Duration.ofMillis(500)).until(() -> true); // let the first writes settle
    long aggregations = operator.poolAggregations();
    long writes = operator.apiWrites();
    String version =
        deviceClass("still.memory.daxtier.io").orElseThrow().getMetadata().getResourceVersion();
    cluster.relabel("still-1", Map.of("team", "still", "unrelated", "x"));
    await().until(() -> operator.poolAggregations() > aggregations);
    assertThat(operator.apiWrites()).isEqualTo(writes);
    assertThat(
            deviceClass("still.memory.daxtier.io").orElseThrow().getMetadata().getResourceVersion())
        .isEqualTo(version);
  }

  @Test
  void aDeviceClassDeletedBySomeoneIsCreatedAgain() {
    cluster.pool("back", Map.of("team", "nobody"), dra(Api.DEFAULT_RESOURCE_NAME));
    await().until(() -> deviceClass("back.memory.daxtier.io").isPresent());
    client.resources(DeviceClass.class).withName("back.memory.daxtier.io").delete();
    await().until(() -> deviceClass("back.memory.daxtier.io").isPresent());
    assertThat(DeviceClassRenderer.name("back")).isEqualTo("back.memory.daxtier.io");
  }
}
