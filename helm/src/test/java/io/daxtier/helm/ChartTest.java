package io.daxtier.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Lints and renders the chart with embedded Helm and asserts the objects it produces. */
class ChartTest {
  private static final RenderedChart DEFAULTS = RenderedChart.render(Map.of());

  @Test
  void lintsCleanInStrictMode() {
    LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void operatorDeploymentIsHardenedAndLeaderElected() {
    Deployment operator = DEFAULTS.one(Deployment.class, "dt-operator");
    assertThat(operator.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
    var pod = operator.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("dt-operator");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("daxtier/operator:0.1.0");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(env(c)).containsEntry("DAXTIER_LEADER_ELECTION", "true");
  }

  @Test
  void agentDaemonSetMountsWhatTheKernelInterfaceNeeds() {
    DaemonSet agent = DEFAULTS.one(DaemonSet.class, "dt-agent");
    var pod = agent.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("daxtier/agent:0.1.0");
    assertThat(c.getSecurityContext().getPrivileged()).isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(hostPaths(pod.getVolumes()))
        .containsOnly(
            Map.entry("sys", "/sys"),
            Map.entry("dev", "/dev"),
            Map.entry("modules", "/lib/modules"),
            Map.entry("state", "/var/lib/daxtier"),
            Map.entry("boot", "/boot"),
            Map.entry("udev-etc", "/etc/udev/rules.d"),
            Map.entry("udev-lib", "/usr/lib/udev/rules.d"),
            Map.entry("device-plugins", "/var/lib/kubelet/device-plugins"),
            // DRA (dra.enabled, the default): DraChartTest
            Map.entry("dra-registry", "/var/lib/kubelet/plugins_registry"),
            Map.entry("dra-plugin", "/var/lib/kubelet/plugins/memory.daxtier.io"),
            Map.entry("cdi", "/var/run/cdi"));
    assertThat(mount(c, "modules").getReadOnly()).isTrue();
    assertThat(List.of("boot", "udev-etc", "udev-lib"))
        .allSatisfy(v -> assertThat(mount(c, v).getReadOnly()).as(v).isTrue());
    assertThat(mount(c, "state").getMountPath()).isEqualTo("/var/lib/daxtier");
    assertThat(c.getArgs()).contains("--hotplug-policy=Respect", "--state-dir=/var/lib/daxtier");
    assertThat(mount(c, "device-plugins").getMountPath())
        .isEqualTo("/var/lib/kubelet/device-plugins");
    assertThat(c.getArgs())
        .contains(
            "run", "--node-name=$(NODE_NAME)", "--kubelet-dir=/var/lib/kubelet/device-plugins")
        .noneMatch(a -> a.startsWith("--simulate"));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    // the health endpoints listen on the pod IP, where the probes connect
    assertThat(c.getArgs()).contains("--health-address=$(POD_IP)");
    assertThat(c.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("POD_IP");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
            });
    assertThat(pod.getTolerations()).anyMatch(t -> "Exists".equals(t.getOperator()));
    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
  }

  @Test
  void rbacIsSplitAndLeastPrivilege() {
    assertThat(DEFAULTS.all(ServiceAccount.class))
        .extracting(sa -> sa.getMetadata().getName())
        .containsExactlyInAnyOrder("dt-operator", "dt-agent");

    Set<String> agent = grants(DEFAULTS.one(ClusterRole.class, "dt-agent").getRules());
    assertThat(agent)
        .containsExactlyInAnyOrder(
            "daxtier.io/pmemnodes:get",
            "daxtier.io/pmemnodes:list",
            "daxtier.io/pmemnodes:watch",
            "daxtier.io/pmemnodes/status:get",
            "daxtier.io/pmemnodes/status:update",
            "daxtier.io/pmemnodes/status:patch",
            // DRA (dra.enabled, the default): DraChartTest
            "resource.k8s.io/resourceslices:create",
            "resource.k8s.io/resourceslices:update",
            "resource.k8s.io/resourceslices:patch",
            "resource.k8s.io/resourceslices:delete",
            "resource.k8s.io/resourceslices:get",
            "resource.k8s.io/resourceslices:list",
            "resource.k8s.io/resourceslices:watch",
            "resource.k8s.io/resourceclaims:get",
            "resource.k8s.io/resourceclaims:list",
            "resource.k8s.io/resourceclaims:watch",
            "/nodes:get");

    Set<String> operator = grants(DEFAULTS.one(ClusterRole.class, "dt-operator").getRules());
    assertThat(operator)
        .contains(
            "daxtier.io/pmempools/status:patch",
            "daxtier.io/pmempools/finalizers:update",
            "daxtier.io/pmemnodes:create",
            "daxtier.io/pmemnodes:update",
            "/nodes:patch",
            "/pods/eviction:create")
        .doesNotContain("daxtier.io/pmemnodes/status:update", "daxtier.io/pmemnodes/status:patch")
        .noneMatch(g -> g.startsWith("/secrets") || g.contains("*"));

    Role leases = DEFAULTS.one(Role.class, "dt-operator-leader-election");
    assertThat(grants(leases.getRules()))
        .containsExactlyInAnyOrder(
            "coordination.k8s.io/leases:get",
            "coordination.k8s.io/leases:create",
            "coordination.k8s.io/leases:update");
  }

  @Test
  void nodeLeasesAreNamespacedAndLimitedToLeases() {
    // the agent renews its node Lease in the release namespace: a Role on leases only
    Role agent = DEFAULTS.one(Role.class, "dt-agent-lease");
    assertThat(agent.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(grants(agent.getRules()))
        .containsExactlyInAnyOrder(
            "coordination.k8s.io/leases:get",
            "coordination.k8s.io/leases:create",
            "coordination.k8s.io/leases:update");
    RoleBinding binding = DEFAULTS.one(RoleBinding.class, "dt-agent-lease");
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo("dt-agent-lease");
    assertThat(boundToAgent(binding.getSubjects())).isTrue();
    assertThat(grants(DEFAULTS.one(ClusterRole.class, "dt-agent").getRules()))
        .noneMatch(g -> g.contains("leases"));
    Container c =
        DEFAULTS
            .one(DaemonSet.class, "dt-agent")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(c.getArgs()).contains("--lease-namespace=$(POD_NAMESPACE)");

    // the operator reads them (agent liveness), in the same namespace, whatever leader election
    RenderedChart unelected =
        RenderedChart.render(Map.of("operator.leaderElection.enabled", "false"));
    for (RenderedChart chart : List.of(DEFAULTS, unelected)) {
      Role operator = chart.one(Role.class, "dt-operator-agent-leases");
      assertThat(operator.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
      assertThat(grants(operator.getRules()))
          .containsExactlyInAnyOrder(
              "coordination.k8s.io/leases:get",
              "coordination.k8s.io/leases:list",
              "coordination.k8s.io/leases:watch");
      assertThat(chart.one(RoleBinding.class, "dt-operator-agent-leases").getRoleRef().getName())
          .isEqualTo("dt-operator-agent-leases");
    }
    assertThat(grants(DEFAULTS.one(ClusterRole.class, "dt-operator").getRules()))
        .noneMatch(g -> g.contains("leases"));
  }

  @Test
  void agentEventsStayInTheReleaseNamespace() {
    // no cluster-wide grant on events for the agent, from any ClusterRole bound to it
    List<String> agentClusterRoles =
        DEFAULTS.all(ClusterRoleBinding.class).stream()
            .filter(b -> boundToAgent(b.getSubjects()))
            .map(b -> b.getRoleRef().getName())
            .toList();
    assertThat(agentClusterRoles).containsExactly("dt-agent");
    assertThat(grants(DEFAULTS.one(ClusterRole.class, "dt-agent").getRules()))
        .noneMatch(g -> g.contains("events"));

    Role events = DEFAULTS.one(Role.class, "dt-agent-events");
    assertThat(events.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(grants(events.getRules()))
        .containsExactlyInAnyOrder(
            "/events:create",
            "/events:patch",
            "events.k8s.io/events:create",
            "events.k8s.io/events:patch");
    RoleBinding binding = DEFAULTS.one(RoleBinding.class, "dt-agent-events");
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(binding.getRoleRef().getName()).isEqualTo("dt-agent-events");
    assertThat(boundToAgent(binding.getSubjects())).isTrue();
    assertThat(DEFAULTS.all(RoleBinding.class))
        .filteredOn(b -> boundToAgent(b.getSubjects()))
        .extracting(b -> b.getMetadata().getName())
        .containsExactlyInAnyOrder("dt-agent-events", "dt-agent-lease");

    // ...and the agent writes its Events where the Role allows: its own pod's namespace
    Container c =
        DEFAULTS
            .one(DaemonSet.class, "dt-agent")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(c.getArgs()).contains("--event-namespace=$(POD_NAMESPACE)");
    assertThat(c.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                  .isEqualTo("metadata.namespace");
            });
  }

  @Test
  void rendersOnKubernetes130AndLaterOnly() {
    for (String version : List.of("1.30.0", "1.30.2-eks-1552ad0", "1.33.1+k3s1")) {
      assertThat(RenderedChart.render(version, Map.of()).hasKind("ValidatingAdmissionPolicy"))
          .as(version)
          .isTrue();
    }
    // below 1.30 neither ValidatingAdmissionPolicy v1 nor the node-name claim exists: no install
    for (String version : List.of("1.29.9", "1.26.0", "1.29.15-gke.100")) {
      assertThatThrownBy(() -> RenderedChart.render(version, Map.of()))
          .as(version)
          .hasMessageContaining("kubeVersion")
          .hasMessageContaining(">=1.30.0-0");
    }
  }

  @Test
  void admissionPolicyPinsEachAgentToItsOwnPmemNode() {
    ValidatingAdmissionPolicy vap =
        DEFAULTS.one(ValidatingAdmissionPolicy.class, "dt-agent-own-pmemnode");
    assertThat(vap.getSpec().getMatchConditions().get(0).getExpression())
        .contains("system:serviceaccount:daxtier-system:dt-agent");
    assertThat(vap.getSpec().getValidations().get(0).getExpression())
        .contains("authentication.kubernetes.io/node-name")
        .contains("request.name");
    assertThat(DEFAULTS.hasKind("ValidatingAdmissionPolicyBinding")).isTrue();
    assertThat(DEFAULTS.hasKind("ServiceMonitor")).isFalse();
  }

  @Test
  void nonDefaultValuesForATestCluster() {
    RenderedChart chart =
        RenderedChart.render(
            Map.of(
                "image.registry", "registry.example.com/",
                "image.tag", "1.2.3",
                "agent.simulate.enabled", "true",
                "agent.simulate.node.nodeName", "sim-1",
                "agent.nodeSelector.daxtier\\.io/pmem", "present",
                "agent.hotplugPolicy", "Manage",
                "operator.replicas", "1",
                "operator.leaderElection.enabled", "false",
                "metrics.serviceMonitor.enabled", "true",
                "admissionPolicy.enabled", "false"));

    DaemonSet agent = chart.one(DaemonSet.class, "dt-agent");
    var pod = agent.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example.com/daxtier/agent:1.2.3");
    assertThat(c.getSecurityContext().getPrivileged()).isFalse();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getArgs())
        .startsWith("--simulate=/etc/daxtier/simulated/node.yaml")
        .contains("--hotplug-policy=Manage")
        .noneMatch(a -> a.startsWith("--state-dir"));
    assertThat(hostPaths(pod.getVolumes()))
        .doesNotContainKeys("sys", "dev", "modules", "state", "boot");
    assertThat(pod.getNodeSelector()).containsEntry("daxtier.io/pmem", "present");
    assertThat(chart.one(ConfigMap.class, "dt-agent-simulated-node").getData().get("node.yaml"))
        .contains("nodeName: sim-1");

    Deployment operator = chart.one(Deployment.class, "dt-operator");
    assertThat(operator.getSpec().getReplicas()).isEqualTo(1);
    assertThat(operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/daxtier/operator:1.2.3");
    assertThat(env(operator.getSpec().getTemplate().getSpec().getContainers().get(0)))
        .containsEntry("DAXTIER_LEADER_ELECTION", "false");
    assertThat(chart.all(Role.class))
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("dt-agent-events", "dt-agent-lease", "dt-operator-agent-leases");
    assertThat(chart.hasKind("ServiceMonitor")).isTrue();
    assertThat(chart.hasKind("ValidatingAdmissionPolicy")).isFalse();
  }

  @Test
  void theHealthAddressCanListenEverywhere() {
    Container c =
        RenderedChart.render(Map.of("agent.healthAddress", "0.0.0.0"))
            .one(DaemonSet.class, "dt-agent")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(c.getArgs()).contains("--health-address=0.0.0.0");
  }

  @Test
  void valuesSchemaRejectsBadValues() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("operator.replicas", "-1")))
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("agent.kubeletDir", "relative/dir")))
        .hasMessageContaining("kubeletDir");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("agent.privilged", "false")))
        .hasMessageContaining("privilged");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("agent.hotplugPolicy", "Force")))
        .hasMessageContaining("hotplugPolicy");
  }

  @Test
  void chartCarriesTheGeneratedCrds() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(RenderedChart.CHART.resolve("crds"))) {
      files = s.sorted().toList();
    }
    assertThat(files).hasSize(2);
    for (Path f : files) {
      CustomResourceDefinition crd =
          new KubernetesSerialization()
              .unmarshal(Files.readString(f), CustomResourceDefinition.class);
      assertThat(crd.getSpec().getGroup()).isEqualTo("daxtier.io");
      assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
      assertThat(crd.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
    }
  }

  @Test
  void notesTellTheUserWhatToApplyNext() throws IOException {
    assertThat(Files.readString(RenderedChart.CHART.resolve("templates/NOTES.txt")))
        .contains("kubectl apply -f examples/basic-pool.yaml", "kubectl get pmemnodes");
  }

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
  }

  private static Map<String, String> hostPaths(List<Volume> volumes) {
    return volumes.stream()
        .filter(v -> v.getHostPath() != null)
        .collect(Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath()));
  }

  private static VolumeMount mount(Container c, String name) {
    return c.getVolumeMounts().stream().filter(m -> m.getName().equals(name)).findFirst().get();
  }

  private static boolean boundToAgent(List<Subject> subjects) {
    return subjects.stream()
        .anyMatch(
            s ->
                s.getKind().equals("ServiceAccount")
                    && s.getName().equals("dt-agent")
                    && s.getNamespace().equals(RenderedChart.NAMESPACE));
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
