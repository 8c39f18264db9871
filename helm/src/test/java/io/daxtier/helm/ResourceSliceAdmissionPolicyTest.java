package io.daxtier.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.helm.AdmissionPolicyEvaluator.Allowed;
import io.daxtier.helm.AdmissionPolicyEvaluator.Denied;
import io.daxtier.helm.AdmissionPolicyEvaluator.NotMatched;
import io.daxtier.helm.AdmissionPolicyEvaluator.Request;
import io.daxtier.helm.AdmissionPolicyEvaluator.Verdict;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the rendered ResourceSlice policy's CEL (cel-java) against admission requests: an agent
 * writes only ResourceSlices of driver memory.daxtier.io whose spec.nodeName is its own node; other
 * users are left to RBAC.
 */
class ResourceSliceAdmissionPolicyTest {
  private static final ValidatingAdmissionPolicy POLICY =
      RenderedChart.render(Map.of())
          .one(ValidatingAdmissionPolicy.class, "dt-agent-own-resourceslices");
  private static final AdmissionPolicyEvaluator EVALUATOR = new AdmissionPolicyEvaluator(POLICY);

  private static final String AGENT = "system:serviceaccount:daxtier-system:dt-agent";
  private static final String DRIVER = "memory.daxtier.io";

  @ParameterizedTest
  @ValueSource(strings = {"CREATE", "UPDATE", "DELETE"})
  void anAgentMayWriteItsOwnNodesSlices(String op) {
    Map<String, Object> mine = slice("node-a-memory.daxtier.io-x7", "node-a", DRIVER);
    assertThat(evaluate(op, mine, mine, agentOn("node-a"))).isInstanceOf(Allowed.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"CREATE", "UPDATE", "DELETE"})
  void anAgentMayNotWriteAnotherNodesSlices(String op) {
    Map<String, Object> theirs = slice("node-b-memory.daxtier.io-q2", "node-b", DRIVER);
    Verdict v = evaluate(op, theirs, theirs, agentOn("node-a"));
    assertThat(v).isInstanceOf(Denied.class);
    assertThat(((Denied) v).error()).isFalse();
    assertThat(((Denied) v).message())
        .isEqualTo(
            "a daxtier agent may only write the ResourceSlices of its own node node-a, not node-b");
  }

  @ParameterizedTest
  @ValueSource(strings = {"CREATE", "UPDATE", "DELETE"})
  void anAgentMayNotWriteAnotherDriversSlices(String op) {
    Map<String, Object> gpu = slice("node-a-gpu.example.com-k1", "node-a", "gpu.example.com");
    Verdict v = evaluate(op, gpu, gpu, agentOn("node-a"));
    assertThat(v).isInstanceOf(Denied.class);
    assertThat(((Denied) v).message())
        .isEqualTo(
            "a daxtier agent may only write ResourceSlices of driver memory.daxtier.io, not"
                + " gpu.example.com");
  }

  @ParameterizedTest
  @ValueSource(strings = {"node-b", ""})
  void anUpdateMayNotMoveASliceFromAnotherNode(String from) {
    Map<String, Object> before = slice("s", from, DRIVER);
    if (from.isEmpty()) {
      // a slice for several nodes (nodeSelector / allNodes) has no spec.nodeName
      @SuppressWarnings("unchecked")
      Map<String, Object> spec = (Map<String, Object>) before.get("spec");
      spec.remove("nodeName");
      spec.put("allNodes", true);
    }
    Verdict v = evaluate("UPDATE", slice("s", "node-a", DRIVER), before, agentOn("node-a"));
    assertThat(v).isInstanceOf(Denied.class);
    assertThat(((Denied) v).error()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"CREATE", "DELETE"})
  void aSliceWithoutNodeNameOrATokenWithoutTheNodeClaimIsDenied(String op) {
    Map<String, Object> allNodes = slice("s", "node-a", DRIVER);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) allNodes.get("spec");
    spec.remove("nodeName");
    spec.put("allNodes", true);
    Verdict v = evaluate(op, allNodes, allNodes, agentOn("node-a"));
    assertThat(v).isInstanceOf(Denied.class);
    assertThat(((Denied) v).error()).isFalse();

    Map<String, Object> noClaim = new LinkedHashMap<>(agentOn("node-a"));
    noClaim.remove("extra");
    Map<String, Object> mine = slice("s", "node-a", DRIVER);
    Verdict w = evaluate(op, mine, mine, noClaim);
    assertThat(w).isInstanceOf(Denied.class);
    assertThat(((Denied) w).error()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"system:serviceaccount:kube-system:gpu-driver", "kubernetes-admin"})
  void otherUsersAreLeftToRbac(String user) {
    Map<String, Object> any = slice("s", "node-b", "gpu.example.com");
    Map<String, Object> u = new LinkedHashMap<>(agentOn("node-a"));
    u.put("username", user);
    assertThat(evaluate("CREATE", any, any, u)).isInstanceOf(NotMatched.class);
  }

  private static Verdict evaluate(
      String op, Map<String, Object> object, Map<String, Object> old, Map<String, Object> user) {
    return EVALUATOR.evaluate(
        new Request(
            op,
            "resource.k8s.io",
            "v1",
            "resourceslices",
            "",
            (String) ((Map<?, ?>) (op.equals("DELETE") ? old : object).get("metadata")).get("name"),
            user,
            op.equals("DELETE") ? null : object,
            op.equals("CREATE") ? null : old));
  }

  /** A ResourceSlice as the agent publishes it (resource.k8s.io/v1). */
  private static Map<String, Object> slice(String name, String node, String driver) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("driver", driver);
    spec.put("pool", Map.of("name", node, "generation", 1, "resourceSliceCount", 1));
    spec.put("nodeName", node);
    spec.put("devices", List.of(Map.of("name", "ram-cxl-n2")));
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("apiVersion", "resource.k8s.io/v1");
    s.put("kind", "ResourceSlice");
    s.put("metadata", Map.of("name", name));
    s.put("spec", spec);
    return s;
  }

  private static Map<String, Object> agentOn(String node) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("authentication.kubernetes.io/node-name", List.of(node));
    extra.put("authentication.kubernetes.io/pod-name", List.of("dt-agent-7xk2p"));
    Map<String, Object> u = new LinkedHashMap<>();
    u.put("username", AGENT);
    u.put("uid", "uid-agent");
    u.put(
        "groups",
        List.of(
            "system:serviceaccounts",
            "system:serviceaccounts:daxtier-system",
            "system:authenticated"));
    u.put("extra", extra);
    return u;
  }
}
