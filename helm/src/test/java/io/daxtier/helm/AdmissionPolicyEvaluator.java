package io.daxtier.helm;

import com.google.protobuf.NullValue;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchCondition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.NamedRuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Variable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides an admission request the way the API server runs a {@link ValidatingAdmissionPolicy}
 * (bound with {@code validationActions: [Deny]} and no match resources): match constraints, then
 * every match condition, then the variables, then every validation; an evaluation error applies the
 * failure policy. The CEL comes from the rendered policy and runs on cel-java with {@code request},
 * {@code object}, {@code oldObject} and {@code variables} as dynamic values (nested maps), so a
 * missing field is an error and {@code has()} tests for it, as in Kubernetes.
 */
final class AdmissionPolicyEvaluator {

  /** What the policy does with a request. */
  sealed interface Verdict permits NotMatched, Allowed, Denied {}

  /** The request is outside the policy's match constraints or a match condition is false. */
  record NotMatched(String why) implements Verdict {}

  /** Every validation held. */
  record Allowed() implements Verdict {}

  /** A validation failed ({@code error} false) or an expression failed to evaluate. */
  record Denied(String reason, String message, boolean error) implements Verdict {}

  /** An admission request: what {@code request}, {@code object} and {@code oldObject} hold. */
  record Request(
      String operation,
      String group,
      String version,
      String resource,
      String subResource,
      String name,
      Map<String, Object> userInfo,
      Map<String, Object> object,
      Map<String, Object> oldObject) {}

  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("request", SimpleType.DYN)
          .addVar("object", SimpleType.DYN)
          .addVar("oldObject", SimpleType.DYN)
          .addVar("variables", SimpleType.DYN)
          .addLibraries(CelExtensions.strings())
          .build();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().addLibraries(CelExtensions.strings()).build();

  private final ValidatingAdmissionPolicy policy;
  private final Map<String, CelRuntime.Program> programs = new HashMap<>();

  AdmissionPolicyEvaluator(ValidatingAdmissionPolicy policy) {
    this.policy = policy;
    // compile everything up front: a policy the API server would refuse fails here too
    policy.getSpec().getMatchConditions().forEach(c -> program(c.getExpression()));
    variables().forEach(v -> program(v.getExpression()));
    for (Validation v : policy.getSpec().getValidations()) {
      program(v.getExpression());
      if (v.getMessageExpression() != null) {
        program(v.getMessageExpression());
      }
    }
  }

  Verdict evaluate(Request request) {
    if (!matchesConstraints(request)) {
      return new NotMatched("outside matchConstraints");
    }
    Map<String, Object> activation = new LinkedHashMap<>();
    activation.put("request", requestMap(request));
    // CREATE has no oldObject and DELETE no object: CEL null (a Java null would be "unknown")
    activation.put("object", orNull(request.object()));
    activation.put("oldObject", orNull(request.oldObject()));
    Map<String, Object> vars = new LinkedHashMap<>();
    activation.put("variables", vars);
    for (MatchCondition c : policy.getSpec().getMatchConditions()) {
      Object result = eval(c.getExpression(), activation);
      if (result instanceof CelEvaluationException e) {
        return failurePolicy("matchCondition " + c.getName() + ": " + e.getMessage());
      }
      if (!Boolean.TRUE.equals(result)) {
        return new NotMatched("matchCondition " + c.getName());
      }
    }
    for (Variable v : variables()) {
      Object value = eval(v.getExpression(), activation);
      if (value instanceof CelEvaluationException e) {
        return failurePolicy("variable " + v.getName() + ": " + e.getMessage());
      }
      vars.put(v.getName(), value);
    }
    for (Validation v : policy.getSpec().getValidations()) {
      Object result = eval(v.getExpression(), activation);
      if (result instanceof CelEvaluationException e) {
        return failurePolicy(e.getMessage());
      }
      if (!Boolean.TRUE.equals(result)) {
        return new Denied(v.getReason(), message(v, activation), false);
      }
    }
    return new Allowed();
  }

  private static Object orNull(Map<String, Object> object) {
    return object == null ? NullValue.NULL_VALUE : object;
  }

  private Verdict failurePolicy(String error) {
    if ("Ignore".equals(policy.getSpec().getFailurePolicy())) {
      return new Allowed();
    }
    return new Denied("Invalid", error, true);
  }

  private String message(Validation v, Map<String, Object> activation) {
    if (v.getMessageExpression() != null) {
      Object m = eval(v.getMessageExpression(), activation);
      if (m instanceof String s) {
        return s;
      }
    }
    return v.getMessage() != null ? v.getMessage() : "failed expression: " + v.getExpression();
  }

  private List<Variable> variables() {
    List<Variable> vars = policy.getSpec().getVariables();
    return vars == null ? List.of() : vars;
  }

  private boolean matchesConstraints(Request r) {
    String resource = r.resource() + (r.subResource().isEmpty() ? "" : "/" + r.subResource());
    for (NamedRuleWithOperations rule : policy.getSpec().getMatchConstraints().getResourceRules()) {
      if (matches(rule.getApiGroups(), r.group())
          && matches(rule.getApiVersions(), r.version())
          && matches(rule.getOperations(), r.operation())
          && (rule.getResources().contains(resource)
              || rule.getResources().contains("*")
              || (r.subResource().isEmpty() && rule.getResources().contains(r.resource() + "/*"))
              || rule.getResources().contains("*/" + r.subResource()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(List<String> allowed, String value) {
    return allowed.contains("*") || allowed.contains(value);
  }

  /** The {@code request} variable: admission.k8s.io/v1 AdmissionRequest, empty fields omitted. */
  private static Map<String, Object> requestMap(Request r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("uid", "705ab4f5-6393-11e8-b7cc-42010a800002");
    m.put("kind", Map.of("group", r.group(), "version", r.version(), "kind", kindOf(r.resource())));
    m.put("resource", Map.of("group", r.group(), "version", r.version(), "resource", r.resource()));
    if (!r.subResource().isEmpty()) {
      m.put("subResource", r.subResource());
    }
    if (!r.name().isEmpty()) {
      m.put("name", r.name());
    }
    m.put("operation", r.operation());
    m.put("userInfo", r.userInfo());
    m.put("dryRun", false);
    return m;
  }

  private static String kindOf(String resource) {
    return switch (resource) {
      case "pmemnodes" -> "PmemNode";
      case "resourceslices" -> "ResourceSlice";
      default -> resource;
    };
  }

  private Object eval(String expr, Map<String, Object> activation) {
    try {
      return program(expr).eval(activation);
    } catch (CelEvaluationException e) {
      return e;
    }
  }

  private CelRuntime.Program program(String expr) {
    return programs.computeIfAbsent(
        expr,
        e -> {
          try {
            CelAbstractSyntaxTree ast = COMPILER.compile(e).getAst();
            return RUNTIME.createProgram(ast);
          } catch (CelValidationException | CelEvaluationException ex) {
            throw new IllegalStateException("CEL does not compile: " + e + ": " + ex, ex);
          }
        });
  }
}
