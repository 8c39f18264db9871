package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded API's name index answers exactly what the stock store scan would: an object is found
 * by kind, namespace and name through every create, patch, update, delete, finalizer-delayed delete
 * and reset, and the index never has to switch itself off.
 */
class IndexedCrudDispatcherTest {
  private EmbeddedApiServer api;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start(0);
    client = api.client();
  }

  @AfterEach
  void stop() {
    assertThat(api.storeIndexed()).as("the index followed every change of the store").isTrue();
    api.close();
  }

  @Test
  void aSecondCreateOfTheSameObjectConflictsButTheSameNameElsewhereDoesNot() {
    client.resource(node("n1")).create();
    assertThat(status(() -> client.resource(node("n1")).create())).isEqualTo(409);

    client.resource(configMap("ns-a", "same")).create();
    client.resource(configMap("ns-b", "same")).create();
    assertThat(status(() -> client.resource(configMap("ns-b", "same")).create())).isEqualTo(409);

    PmemNode pmemNode = new PmemNode();
    pmemNode.getMetadata().setName("n1");
    client.resource(pmemNode).create();

    assertThat(client.configMaps().inNamespace("ns-a").withName("same").get()).isNotNull();
    assertThat(client.configMaps().inNamespace("ns-b").withName("same").get()).isNotNull();
    assertThat(client.resources(PmemNode.class).withName("n1").get()).isNotNull();
  }

  @Test
  void patchedAndReplacedObjectsAreFoundWithTheirNewContent() {
    client.resource(node("n1")).create();
    client.nodes().withName("n1").edit(n -> labelled(n, "tier", "pmem"));
    assertThat(client.nodes().withName("n1").get().getMetadata().getLabels())
        .containsEntry("tier", "pmem");

    Node current = client.nodes().withName("n1").get();
    current.getMetadata().getLabels().put("tier", "cxl");
    client.resource(current).update();
    client.nodes().withName("n1").edit(n -> labelled(n, "rack", "r1"));
    assertThat(client.nodes().withName("n1").get().getMetadata().getLabels())
        .containsEntry("tier", "cxl")
        .containsEntry("rack", "r1");
    assertThat(status(() -> client.resource(node("n1")).create())).isEqualTo(409);
  }

  @Test
  void aDeletedObjectCanBeCreatedAgainAndAPatchOfItIsNotFound() {
    client.resource(node("n1")).create();
    client.nodes().withName("n1").delete();
    assertThat(client.nodes().withName("n1").get()).isNull();
    assertThat(status(() -> client.nodes().withName("n1").edit(n -> labelled(n, "a", "b"))))
        .isEqualTo(404);

    client.resource(node("n1")).create();
    assertThat(client.nodes().withName("n1").get()).isNotNull();
  }

  @Test
  void anObjectHeldByAFinalizerStaysFindableUntilTheFinalizerGoes() {
    PmemPool pool = new PmemPool();
    pool.getMetadata().setName("p1");
    pool.getMetadata().setFinalizers(List.of("daxtier.io/release"));
    client.resource(pool).create();

    client.resources(PmemPool.class).withName("p1").delete();
    PmemPool deleting = client.resources(PmemPool.class).withName("p1").get();
    assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(status(() -> client.resource(freshPool("p1")).create())).isEqualTo(409);

    client
        .resources(PmemPool.class)
        .withName("p1")
        .edit(
            p -> {
              p.getMetadata().setFinalizers(List.of());
              return p;
            });
    assertThat(client.resources(PmemPool.class).withName("p1").get()).isNull();
    client.resource(freshPool("p1")).create();
    assertThat(client.resources(PmemPool.class).withName("p1").get().getMetadata()).isNotNull();
  }

  @Test
  void manyObjectsAreEachFoundByName() {
    for (int i = 0; i < 300; i++) {
      client.resource(node("node-" + i)).create();
    }
    for (int i = 0; i < 300; i += 7) {
      int n = i;
      client.nodes().withName("node-" + n).edit(x -> labelled(x, "seen", "n" + n));
    }
    assertThat(client.nodes().list().getItems()).hasSize(300);
    for (int i = 0; i < 300; i += 7) {
      assertThat(client.nodes().withName("node-" + i).get().getMetadata().getLabels())
          .containsEntry("seen", "n" + i);
    }
  }

  private static Node node(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
  }

  private static ConfigMap configMap(String namespace, String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withData(Map.of("k", namespace))
        .build();
  }

  private static PmemPool freshPool(String name) {
    PmemPool pool = new PmemPool();
    pool.getMetadata().setName(name);
    return pool;
  }

  private static Node labelled(Node n, String key, String value) {
    Map<String, String> labels = new HashMap<>();
    if (n.getMetadata().getLabels() != null) {
      labels.putAll(n.getMetadata().getLabels());
    }
    n.getMetadata().setLabels(labels);
    n.getMetadata().getLabels().put(key, value);
    return n;
  }

  private static int status(Runnable call) {
    try {
      call.run();
    } catch (KubernetesClientException e) {
      return e.getCode();
    }
    throw new AssertionError("the call succeeded");
  }
}
