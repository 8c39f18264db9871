package io.daxtier.testkit.mock;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock API server lists pods by {@code spec.nodeName} as a real API server does. */
class NodeNameFieldSelectorTest {
  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    server = PodsByNodeDispatcher.startServer();
    client = server.createClient();
    client.resource(pod("a", "p1", "n1")).create();
    client.resource(pod("b", "p2", "n1")).create();
    client.resource(pod("a", "p3", "n2")).create();
    client.resource(pod("a", "p4", null)).create(); // not scheduled
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  @Test
  void allNamespacesByNode() {
    assertThat(names(client.pods().inAnyNamespace().withField("spec.nodeName", "n1").list()))
        .containsExactlyInAnyOrder("p1", "p2");
    assertThat(names(client.pods().inAnyNamespace().withField("spec.nodeName", "n2").list()))
        .containsExactly("p3");
    assertThat(names(client.pods().inAnyNamespace().withField("spec.nodeName", "n9").list()))
        .isEmpty();
  }

  @Test
  void combinesWithNamespaceLabelsAndOtherFields() {
    assertThat(names(client.pods().inNamespace("a").withField("spec.nodeName", "n1").list()))
        .containsExactly("p1");
    assertThat(
            names(
                client
                    .pods()
                    .inAnyNamespace()
                    .withLabel("app", "demo")
                    .withFields(Map.of("spec.nodeName", "n1", "metadata.name", "p2"))
                    .list()))
        .containsExactly("p2");
  }

  @Test
  void otherListsAndGetsAreUnchanged() {
    assertThat(names(client.pods().inAnyNamespace().list())).hasSize(4);
    assertThat(client.pods().inNamespace("b").withName("p2").get().getSpec().getNodeName())
        .isEqualTo("n1");
  }

  private static List<String> names(io.fabric8.kubernetes.api.model.PodList list) {
    return list.getItems().stream().map(p -> p.getMetadata().getName()).toList();
  }

  private static Pod pod(String namespace, String name, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withLabels(Map.of("app", "demo"))
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("c")
        .withImage("busybox")
        .endContainer()
        .endSpec()
        .build();
  }
}
