package io.daxtier.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.helm.AdmissionPolicyEvaluator.Allowed;
import io.daxtier.helm.AdmissionPolicyEvaluator.Denied;
import io.daxtier.helm.AdmissionPolicyEvaluator.NotMatched;
import io.daxtier.helm.AdmissionPolicyEvaluator.Request;
import io.daxtier.helm.AdmissionPolicyEvaluator.Verdict;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the rendered agent admission policy's CEL (cel-java) against admission requests: an agent
 * writes only its own node's PmemNode, everyone else is left to RBAC.
 */
class AgentAdmissionPolicyTest {
  private static final RenderedChart CHART = RenderedChart.render(Map.of());
  private static final ValidatingAdmissionPolicy POLICY =
      CHART.one(ValidatingAdmissionPolicy.class, "dt-agent-own-pmemnode");
  private static final AdmissionPolicyEvaluator EVALUATOR = new AdmissionPolicyEvaluator(POLICY);

  private static final String AGENT = "system:serviceaccount:daxtier-system:dt-agent";
  private static final String NODE_NAME = "authentication.kubernetes.io/node-name";

  @Test
  void theBindingDeniesWhatThePolicyRejects() {
    var binding = CHART.one(ValidatingAdmissionPolicyBinding.class, "dt-agent-own-pmemnode");
    assertThat(binding.getSpec().getPolicyName()).isEqualTo(POLICY.getMetadata().getName());
    assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
    assertThat(binding.getSpec().getMatchResources()).isNull(); // every request the policy matches
    assertThat(POLICY.getSpec().getFailurePolicy()).isEqualTo("Fail");
  }

  static Stream<Arguments> ownNodeWrites() {
    return Stream.of(
        Arguments.of("CREATE", ""),
        Arguments.of("UPDATE", ""),
        Arguments.of("UPDATE", "status"),
        Arguments.of("DELETE", ""));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("ownNodeWrites")
  void anAgentMayWriteItsOwnNodesPmemNode(String operation, String subResource) {
    assertThat(evaluate(operation, subResource, "node-a", agentOn("node-a")))
        .isInstanceOf(Allowed.class);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("ownNodeWrites")
  void anAgentMayNotWriteAnotherNodesPmemNode(String operation, String subResource) {
    Verdict v = evaluate(operation, subResource, "node-b", agentOn("node-a"));
    assertThat(v)
        .isEqualTo(
            new Denied(
                "Forbidden",
                "a daxtier agent may only write the PmemNode of its own node, not node-b",
                false));
  }

  static Stream<Arguments> tokensWithoutTheNodeClaim() {
    Map<String, Object> podBoundOnly = agentOn("node-a");
    @SuppressWarnings("unchecked")
    Map<String, Object> extra =
        new LinkedHashMap<>((Map<String, Object>) podBoundOnly.get("extra"));
    extra.remove(NODE_NAME);
    extra.remove("authentication.kubernetes.io/node-uid");
    podBoundOnly = new LinkedHashMap<>(podBoundOnly);
    podBoundOnly.put("extra", extra);
    Map<String, Object> legacySecretToken = new LinkedHashMap<>(agentOn("node-a"));
    legacySecretToken.remove("extra"); // no extra at all: the field is absent, not empty
    Map<String, Object> emptyClaim = new LinkedHashMap<>(agentOn("node-a"));
    emptyClaim.put("extra", Map.of(NODE_NAME, List.of("")));
    return Stream.of(
        Arguments.of("pod-bound token without node claims", podBoundOnly),
        Arguments.of("legacy secret token", legacySecretToken),
        Arguments.of("empty node-name claim", emptyClaim));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tokensWithoutTheNodeClaim")
  void anAgentTokenWithoutTheNodeNameClaimIsDenied(String what, Map<String, Object> userInfo) {
    for (var op : ownNodeWrites().toList()) {
      Object[] a = op.get();
      Verdict v = evaluate((String) a[0], (String) a[1], "node-a", userInfo);
      // a clean denial, not an evaluation error that only the failure policy turns into one
      assertThat(v).as(what + " " + a[0] + " " + a[1]).isInstanceOf(Denied.class);
      assertThat(((Denied) v).error()).as(what).isFalse();
    }
  }

  static Stream<Arguments> otherUsers() {
    return Stream.of(
        Arguments.of(
            "the operator's service account",
            user(
                "system:serviceaccount:daxtier-system:dt-operator",
                List.of("system:serviceaccounts", "system:serviceaccounts:daxtier-system"),
                podBoundExtra("dt-operator-5d9c", "node-c"))),
        Arguments.of(
            "a cluster admin",
            user("kubernetes-admin", List.of("system:masters", "system:authenticated"), null)),
        Arguments.of(
            "an agent of a release in another namespace",
            user(
                "system:serviceaccount:other:dt-agent",
                List.of("system:serviceaccounts", "system:serviceaccounts:other"),
                podBoundExtra("dt-agent-x1", "node-c"))),
        Arguments.of(
            "a service account named like the agent",
            user(
                AGENT + "-debug",
                List.of("system:serviceaccounts", "system:serviceaccounts:daxtier-system"),
                null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherUsers")
  void otherUsersAreLeftToRbac(String who, Map<String, Object> userInfo) {
    for (var op : ownNodeWrites().toList()) {
      Object[] a = op.get();
      Verdict v = evaluate((String) a[0], (String) a[1], "node-b", userInfo);
      assertThat(v).as(who + " " + a[0] + " " + a[1]).isInstanceOf(NotMatched.class);
    }
  }

  @Test
  void requestsOutsideTheMatchConstraintsAreNotJudged() {
    Request pool =
        new Request(
            "UPDATE",
            "daxtier.io",
            "v1alpha1",
            "pmempools",
            "",
            "strict",
            agentOn("node-a"),
            Map.of("metadata", Map.of("name", "strict")),
            Map.of("metadata", Map.of("name", "strict")));
    assertThat(EVALUATOR.evaluate(pool)).isInstanceOf(NotMatched.class);
  }

  private static Verdict evaluate(
      String operation, String subResource, String name, Map<String, Object> userInfo) {
    Map<String, Object> node = pmemNode(name);
    Map<String, Object> object = operation.equals("DELETE") ? null : node;
    Map<String, Object> oldObject = operation.equals("CREATE") ? null : node;
    return EVALUATOR.evaluate(
        new Request(
            operation,
            "daxtier.io",
            "v1alpha1",
            "pmemnodes",
            subResource,
            name,
            userInfo,
            object,
            oldObject));
  }

  private static Map<String, Object> pmemNode(String name) {
    return Map.of(
        "apiVersion",
        "daxtier.io/v1alpha1",
        "kind",
        "PmemNode",
        "metadata",
        Map.of("name", name),
        "spec",
        Map.of("pools", List.of()));
  }

  /** The agent pod's bound service-account token on {@code node} (Kubernetes 1.30+). */
  private static Map<String, Object> agentOn(String node) {
    return user(
        AGENT,
        List.of("system:serviceaccounts", "system:serviceaccounts:daxtier-system"),
        podBoundExtra("dt-agent-7xk2p", node));
  }

  private static Map<String, Object> podBoundExtra(String pod, String node) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("authentication.kubernetes.io/credential-id", List.of("JTI=3f6a2c1e"));
    extra.put(NODE_NAME, List.of(node));
    extra.put("authentication.kubernetes.io/node-uid", List.of("uid-" + node));
    extra.put("authentication.kubernetes.io/pod-name", List.of(pod));
    extra.put("authentication.kubernetes.io/pod-uid", List.of("uid-" + pod));
    return extra;
  }

  private static Map<String, Object> user(
      String username, List<String> groups, Map<String, Object> extra) {
    Map<String, Object> u = new LinkedHashMap<>();
    u.put("username", username);
    u.put("uid", "uid-" + username);
    u.put(
        "groups",
        Stream.concat(groups.stream(), Stream.of("system:authenticated")).distinct().toList());
    if (extra != null) {
      u.put("extra", extra);
    }
    return u;
  }
}
