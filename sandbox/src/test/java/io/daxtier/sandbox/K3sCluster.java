package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.MountableFile;

/**
 * The chart on k3s for the {@code *E2E} tests: images built from this checkout and imported into
 * k3s's containerd, the chart installed with the agent on a simulated node (the values switch for
 * test clusters) talking to the real kubelet.
 */
final class K3sCluster {
  static final Path REPO = Path.of(System.getProperty("daxtier.repo", ".."));
  static final String TAG = "e2e";

  private K3sCluster() {}

  /**
   * Builds and imports both images, installs the chart (release {@code dt} in {@code
   * daxtier-system}) with the agent simulating {@code simulatedNode} (a file under examples/), and
   * returns a client of the cluster.
   */
  static KubernetesClient install(K3sContainer k3s, String simulatedNode) throws Exception {
    importImage(k3s, buildImage("daxtier/agent:" + TAG, "device-plugin/Dockerfile"));
    importImage(k3s, buildImage("daxtier/operator:" + TAG, "operator/Dockerfile"));
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
            .build();
    Path values = Files.createTempFile("daxtier-e2e-values", ".yaml");
    Map<String, Object> node =
        new KubernetesSerialization()
            .unmarshal(Files.readString(REPO.resolve(simulatedNode)), Map.class);
    Files.writeString(
        values,
        new KubernetesSerialization()
            .asYaml(Map.of("agent", Map.of("simulate", Map.of("enabled", true, "node", node)))));
    new Helm(REPO.resolve("helm/daxtier"))
        .install()
        .withName("dt")
        .withNamespace("daxtier-system")
        .createNamespace()
        .withKubeConfigContents(k3s.getKubeConfigYaml())
        .withValuesFile(values)
        .set("image.tag", TAG)
        .set("image.pullPolicy", "Never")
        .set("operator.replicas", "1")
        .set("admissionPolicy.enabled", "false")
        .waitReady()
        .withTimeout(300)
        .call();
    return client;
  }

  private static String buildImage(String name, String dockerfile) {
    return new ImageFromDockerfile(name, false)
        .withFileFromPath(".", REPO)
        .withDockerfilePath(dockerfile)
        .get();
  }

  /** Copies an image from the Docker engine into k3s's containerd (imagePullPolicy Never). */
  private static void importImage(K3sContainer k3s, String name)
      throws IOException, InterruptedException {
    Path tar = Files.createTempFile("image", ".tar");
    try (InputStream in = DockerClientFactory.instance().client().saveImageCmd(name).exec()) {
      Files.copy(in, tar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/image.tar");
    var result = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/image.tar");
    assertThat(result.getExitCode()).as(result.getStderr()).isZero();
    Files.delete(tar);
  }
}
