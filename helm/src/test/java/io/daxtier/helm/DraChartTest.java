package io.daxtier.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the chart adds for DRA pools: RBAC (operator: DeviceClasses; agent: ResourceSlices, read
 * ResourceClaims), the slice admission policy and the kubelet plugin's hostPath mounts; none of it
 * with {@code dra.enabled=false}, and no templated DeviceClass either way (the operator renders
 * them).
 */
class DraChartTest {
  private static final RenderedChart DEFAULTS = RenderedChart.render(Map.of());
  private static final RenderedChart OFF = RenderedChart.render(Map.of("dra.enabled", "false"));

  @Test
  void theOperatorMayKeepDeviceClassesWithOrWithoutTheAgentSide() {
    for (RenderedChart chart : List.of(DEFAULTS, OFF)) {
      assertThat(grants(chart.one(ClusterRole.class, "dt-operator").getRules()))
          .contains(
              "resource.k8s.io/deviceclasses:create",
              "resource.k8s.io/deviceclasses:update",
              "resource.k8s.io/deviceclasses:delete",
              "resource.k8s.io/deviceclasses:get",
              "resource.k8s.io/deviceclasses:list",
              "resource.k8s.io/deviceclasses:watch",
              // a drain finds the pods holding a DRA pool through their claims
              "resource.k8s.io/resourceclaims:get",
              "resource.k8s.io/resourceslices:list")
          .noneMatch(
              g ->
                  g.startsWith("resource.k8s.io/resourceslices:")
                      && !g.endsWith(":list")
                      && !g.endsWith(":watch")
                      && !g.endsWith(":get"))
          .noneMatch(g -> g.startsWith("resource.k8s.io/resourceclaims:") && !g.endsWith(":get"));
      assertThat(chart.all()).extracting(HasMetadata::getKind).doesNotContain("DeviceClass");
    }
  }

  @Test
  void theAgentWritesSlicesAndReadsClaimsOnlyWithDra() {
    Set<String> agent = grants(DEFAULTS.one(ClusterRole.class, "dt-agent").getRules());
    assertThat(agent)
        .contains(
            "resource.k8s.io/resourceslices:create",
            "resource.k8s.io/resourceslices:delete",
            "resource.k8s.io/resourceslices:watch",
            "resource.k8s.io/resourceclaims:get",
            "resource.k8s.io/resourceclaims:list",
            "resource.k8s.io/resourceclaims:watch")
        .noneMatch(
            g ->
                g.startsWith("resource.k8s.io/resourceclaims:")
                    && !g.endsWith(":get")
                    && !g.endsWith(":list")
                    && !g.endsWith(":watch"))
        .noneMatch(g -> g.contains("deviceclasses") || g.contains("resourceclaims/status"));
    assertThat(grants(OFF.one(ClusterRole.class, "dt-agent").getRules()))
        .noneMatch(g -> g.startsWith("resource.k8s.io/"));
  }

  @Test
  void theAgentMountsTheKubeletPluginDirectoriesAndTheCdiDirectory() {
    PodSpec pod = pod(DEFAULTS);
    Container c = pod.getContainers().get(0);
    assertThat(hostPath(pod, "dra-registry")).isEqualTo("/var/lib/kubelet/plugins_registry");
    assertThat(hostPath(pod, "dra-plugin")).isEqualTo("/var/lib/kubelet/plugins/memory.daxtier.io");
    assertThat(hostPath(pod, "cdi")).isEqualTo("/var/run/cdi");
    assertThat(mount(c, "dra-registry").getMountPath())
        .isEqualTo("/var/lib/kubelet/plugins_registry");
    assertThat(mount(c, "dra-plugin").getMountPath())
        .isEqualTo("/var/lib/kubelet/plugins/memory.daxtier.io");
    assertThat(mount(c, "cdi").getMountPath()).isEqualTo("/var/run/cdi");
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().startsWith("dra-") || v.getName().equals("cdi"))
        .allSatisfy(v -> assertThat(v.getHostPath().getType()).isEqualTo("DirectoryOrCreate"));

    PodSpec moved =
        pod(
            RenderedChart.render(
                Map.of("dra.kubeletRootDir", "/data/kubelet", "dra.cdiDir", "/etc/cdi")));
    assertThat(hostPath(moved, "dra-registry")).isEqualTo("/data/kubelet/plugins_registry");
    assertThat(hostPath(moved, "dra-plugin")).isEqualTo("/data/kubelet/plugins/memory.daxtier.io");
    assertThat(mount(moved.getContainers().get(0), "cdi").getMountPath()).isEqualTo("/etc/cdi");

    assertThat(pod(OFF).getVolumes())
        .extracting(Volume::getName)
        .doesNotContain("dra-registry", "dra-plugin", "cdi");
  }

  @Test
  void theAgentIsToldWhereTheKubeletAndTheCdiDirectoryAreOrToServeNoDra() {
    assertThat(pod(DEFAULTS).getContainers().get(0).getArgs())
        .contains(
            "--kubelet-root=/var/lib/kubelet",
            "--cdi-dir=/var/run/cdi",
            "--dra-poison-taint=NoSchedule")
        .doesNotContain("--no-dra");
    assertThat(
            pod(RenderedChart.render(Map.of("dra.kubeletRootDir", "/data/kubelet")))
                .getContainers()
                .get(0)
                .getArgs())
        .contains("--kubelet-root=/data/kubelet");
    assertThat(pod(OFF).getContainers().get(0).getArgs())
        .contains("--no-dra")
        .noneMatch(a -> a.startsWith("--kubelet-root") || a.startsWith("--cdi-dir"));
  }

  @Test
  void theSlicePolicyIsBoundAndOnlyWithDraAndTheAdmissionPolicy() {
    var binding =
        DEFAULTS.one(ValidatingAdmissionPolicyBinding.class, "dt-agent-own-resourceslices");
    assertThat(binding.getSpec().getPolicyName()).isEqualTo("dt-agent-own-resourceslices");
    assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
    var policy = DEFAULTS.one(ValidatingAdmissionPolicy.class, "dt-agent-own-resourceslices");
    assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
    assertThat(OFF.all(ValidatingAdmissionPolicy.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("dt-agent-own-pmemnode");
    assertThat(
            RenderedChart.render(Map.of("admissionPolicy.enabled", "false"))
                .all(ValidatingAdmissionPolicy.class))
        .isEmpty();
  }

  private static PodSpec pod(RenderedChart chart) {
    return chart.one(DaemonSet.class, "dt-agent").getSpec().getTemplate().getSpec();
  }

  private static String hostPath(PodSpec pod, String volume) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(volume))
        .findFirst()
        .orElseThrow()
        .getHostPath()
        .getPath();
  }

  private static VolumeMount mount(Container c, String name) {
    return c.getVolumeMounts().stream().filter(m -> m.getName().equals(name)).findFirst().get();
  }

  private static Set<String> grants(List<PolicyRule> rules) {
    return rules.stream()
        .flatMap(
            r ->
                r.getApiGroups().stream()
                    .flatMap(
                        g ->
                            r.getResources().stream()
                                .flatMap(
                                    res ->
                                        r.getVerbs().stream().map(v -> g + "/" + res + ":" + v))))
        .collect(Collectors.toSet());
  }
}
