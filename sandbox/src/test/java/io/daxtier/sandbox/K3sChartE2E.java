package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The chart on a real Kubernetes: k3s in Docker, the images built from this checkout and imported
 * into k3s's containerd, the agent on a simulated node (values switch for test clusters) talking to
 * the real kubelet. A pool is applied; the node's allocatable must show the resource and a pod
 * requesting it must be scheduled and receive the NUMA environment. Skipped without Docker ({@link
 * DockerPresent}), quietly.
 */
@ExtendWith(
    DockerPresent.class) // first: no Testcontainers (and no ERROR) on a machine without Docker
@Testcontainers(disabledWithoutDocker = true)
class K3sChartE2E {
  private static final String TAG = K3sCluster.TAG;
  private static final String RESOURCE = "daxtier.io/pmem";

  @Container
  static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

  static KubernetesClient client;

  @BeforeAll
  static void installChart() throws Exception {
    client = K3sCluster.install(K3S, "examples/simulated-nodes/qemu-nvdimm.yaml");
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void poolCapacityReachesTheSchedulerAndThePod() {
    String nodeName = client.nodes().list().getItems().get(0).getMetadata().getName();
    client
        .nodes()
        .withName(nodeName)
        .edit(
            n ->
                new NodeBuilder(n)
                    .editMetadata()
                    .addToLabels("daxtier.io/pmem", "present")
                    .endMetadata()
                    .build());

    PmemPool pool =
        new KubernetesSerialization()
            .unmarshal(
                """
                apiVersion: daxtier.io/v1alpha1
                kind: PmemPool
                metadata: {name: e2e}
                spec:
                  nodeSelector: {matchLabels: {daxtier.io/pmem: present}}
                  resource: {name: daxtier.io/pmem, unit: 128Mi}
                """,
                PmemPool.class);
    client.resource(pool).create();

    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .nodes()
                            .withName(nodeName)
                            .get()
                            .getStatus()
                            .getAllocatable()
                            .get(RESOURCE))
                    .isNotNull()
                    .satisfies(q -> assertThat(q.getNumericalAmount().intValue()).isPositive()));

    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("pmem-consumer")
            .withNamespace("default")
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("app")
            .withImage("daxtier/agent:" + TAG)
            .withImagePullPolicy("Never")
            .withCommand("sh", "-c", "env")
            .withNewResources()
            .addToLimits(RESOURCE, new Quantity("2"))
            .endResources()
            .endContainer()
            .endSpec()
            .build();
    client.resource(pod).create();
    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () ->
                "Succeeded"
                    .equals(
                        client
                            .pods()
                            .inNamespace("default")
                            .withName("pmem-consumer")
                            .get()
                            .getStatus()
                            .getPhase()));
    String log = client.pods().inNamespace("default").withName("pmem-consumer").getLog();
    assertThat(log)
        .contains("DAXTIER_NUMA_NODES=1")
        .contains("MEMKIND_DAX_KMEM_NODES=1")
        .contains("DAXTIER_BYTES=" + (2L * 128 * 1024 * 1024));
  }
}
