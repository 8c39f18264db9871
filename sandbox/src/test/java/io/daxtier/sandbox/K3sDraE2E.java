package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The DRA driver on a real Kubernetes (k3s 1.34, resource.k8s.io/v1, with the consumable-capacity
 * gate that shared SystemRam devices need): the agent on a simulated CXL expander publishes the
 * cxl-tier pool's memory as a ResourceSlice, the operator renders the DeviceClass, the scheduler
 * allocates 2Gi of it to a claim, the kubelet asks the agent's DRA plugin to prepare it, and the
 * container gets the CDI spec's environment. Skipped without Docker ({@link DockerPresent}).
 */
@ExtendWith(DockerPresent.class)
@Testcontainers(disabledWithoutDocker = true)
class K3sDraE2E {
  private static final String GATES = "feature-gates=DRAConsumableCapacity=true";

  @Container
  static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.34.1-k3s1"))
          .withCommand(
              "server",
              "--disable=traefik",
              "--tls-san=" + DockerClientFactory.instance().dockerHostIpAddress(),
              "--kube-apiserver-arg=" + GATES,
              "--kube-scheduler-arg=" + GATES,
              "--kube-controller-manager-arg=" + GATES,
              "--kubelet-arg=" + GATES);

  static KubernetesClient client;

  @BeforeAll
  static void installChart() throws Exception {
    client = K3sCluster.install(K3S, "examples/simulated-nodes/cxl-expander.yaml");
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void aClaimForCxlTierMemoryIsAllocatedPreparedAndSeenByThePod() throws Exception {
    String nodeName = client.nodes().list().getItems().get(0).getMetadata().getName();
    client
        .nodes()
        .withName(nodeName)
        .edit(
            n ->
                new NodeBuilder(n)
                    .editMetadata()
                    .addToLabels("daxtier.io/cxl-dra", "present")
                    .endMetadata()
                    .build());
    KubernetesSerialization yaml = new KubernetesSerialization();
    client
        .resource(
            yaml.unmarshal(
                Files.readString(K3sCluster.REPO.resolve("examples/cxl-dra-pool.yaml")),
                PmemPool.class))
        .create();

    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              List<ResourceSlice> slices =
                  client.dynamicResourceAllocation().v1().resourcesSlices().list().getItems();
              assertThat(slices)
                  .flatExtracting(s -> s.getSpec().getDevices())
                  .extracting(d -> d.getName())
                  .contains("ram-cxl-tier-n1");
              assertThat(
                      client
                          .dynamicResourceAllocation()
                          .v1()
                          .deviceClasses()
                          .withName("cxl-tier.memory.daxtier.io")
                          .get())
                  .isNotNull();
            });

    List<HasMetadata> objects =
        client
            .load(
                new java.io.ByteArrayInputStream(
                    """
                    apiVersion: resource.k8s.io/v1
                    kind: ResourceClaim
                    metadata: {name: cxl-mem, namespace: default}
                    spec:
                      devices:
                        requests:
                        - name: mem
                          exactly:
                            deviceClassName: cxl-tier.memory.daxtier.io
                            capacity:
                              requests: {memory: 2Gi}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: cxl-consumer, namespace: default}
                    spec:
                      restartPolicy: Never
                      resourceClaims:
                      - {name: mem, resourceClaimName: cxl-mem}
                      containers:
                      - name: app
                        image: daxtier/agent:e2e
                        imagePullPolicy: Never
                        command: [sh, -c, env]
                        resources:
                          claims: [{name: mem}]
                    """
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .items();
    objects.forEach(o -> client.resource(o).create());

    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () ->
                "Succeeded"
                    .equals(
                        client
                            .pods()
                            .inNamespace("default")
                            .withName("cxl-consumer")
                            .get()
                            .getStatus()
                            .getPhase()));
    assertThat(client.pods().inNamespace("default").withName("cxl-consumer").getLog())
        .contains("DAXTIER_NUMA_NODES=1")
        .contains("MEMKIND_DAX_KMEM_NODES=1")
        .contains("DAXTIER_BYTES=" + (2L << 30));
  }
}
