package io.daxtier.api.v1alpha1;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
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
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates objects against a generated CRD the way the API server would, without one: structural
 * defaults, the OpenAPI schema (JSON-schema validator), unknown fields (strict field validation),
 * and every {@code x-kubernetes-validations} CEL rule (cel-java), including transition rules on
 * update.
 */
final class CrdValidator {

  /** A rule that rejected the object: where, the rule text, and its message. */
  record Violation(String path, String rule, String message) {
    @Override
    public String toString() {
      return path + ": " + message;
    }
  }

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .addLibraries(CelExtensions.strings())
          .build();
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder().addLibraries(CelExtensions.strings()).build();

  private final Map<String, Object> schema;
  private final Schema jsonSchema;
  private final Map<String, CelRuntime.Program> programs = new HashMap<>();

  private CrdValidator(Map<String, Object> schema) {
    this.schema = schema;
    this.jsonSchema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
            .getSchema(SERIALIZATION.asJson(withoutKubernetesExtensions(schema)));
  }

  /** Loads the CRD the build generated onto the classpath, e.g. {@code pmempools.daxtier.io}. */
  static CrdValidator forCrd(String crdName) {
    String resource = "/META-INF/fabric8/" + crdName + "-v1.yml";
    try (InputStream in = CrdValidator.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("generated CRD not on the classpath: " + resource);
      }
      CustomResourceDefinition crd = SERIALIZATION.unmarshal(in, CustomResourceDefinition.class);
      Object props = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
      return new CrdValidator(asMap(SERIALIZATION.convertValue(props, Map.class)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every CEL rule in the CRD, for coverage checks. */
  List<String> allRules() {
    List<String> rules = new ArrayList<>();
    collectRules(schema, rules);
    return rules;
  }

  /** Parses YAML into the generic map form the validator works on. */
  static Map<String, Object> yaml(String text) {
    return asMap(SERIALIZATION.unmarshal(text, Map.class));
  }

  List<Violation> validateCreate(Map<String, Object> object) {
    return validate(null, object);
  }

  List<Violation> validateUpdate(Map<String, Object> old, Map<String, Object> object) {
    return validate(old, object);
  }

  private List<Violation> validate(Map<String, Object> old, Map<String, Object> object) {
    Map<String, Object> current = deepCopy(object);
    applyDefaults(schema, current);
    Map<String, Object> previous = null;
    if (old != null) {
      previous = deepCopy(old);
      applyDefaults(schema, previous);
    }
    List<Violation> out = new ArrayList<>();
    jsonSchema
        .validate(SERIALIZATION.asJson(current), com.networknt.schema.InputFormat.JSON)
        .forEach(
            e -> out.add(new Violation(e.getInstanceLocation().toString(), "", e.getMessage())));
    unknownFields(schema, current, "", out);
    cel(schema, current, previous, "", out);
    return out;
  }

  // ---- structural defaults -------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static void applyDefaults(Map<String, Object> node, Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> obj = (Map<String, Object>) map;
      Map<String, Object> props = asMap(node.get("properties"));
      if (props != null) {
        for (var e : props.entrySet()) {
          Map<String, Object> child = asMap(e.getValue());
          if (!obj.containsKey(e.getKey()) && child.containsKey("default")) {
            obj.put(e.getKey(), deepCopy(child.get("default")));
          }
          if (obj.containsKey(e.getKey())) {
            applyDefaults(child, obj.get(e.getKey()));
          }
        }
      }
    } else if (value instanceof List<?> list && node.get("items") != null) {
      list.forEach(item -> applyDefaults(asMap(node.get("items")), item));
    }
  }

  // ---- strict field validation -----------------------------------------------------------------

  private static void unknownFields(
      Map<String, Object> node, Object value, String path, List<Violation> out) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> props = asMap(node.get("properties"));
      boolean open =
          node.containsKey("additionalProperties")
              || Boolean.TRUE.equals(node.get("x-kubernetes-preserve-unknown-fields"))
              || path.equals(".metadata");
      for (var e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        if (props != null && props.containsKey(key)) {
          unknownFields(asMap(props.get(key)), e.getValue(), path + "." + key, out);
        } else if (path.isEmpty() && List.of("apiVersion", "kind", "metadata").contains(key)) {
          continue;
        } else if (!open) {
          out.add(new Violation(path + "." + key, "", "unknown field \"" + key + "\""));
        }
      }
    } else if (value instanceof List<?> list && node.get("items") != null) {
      for (int i = 0; i < list.size(); i++) {
        unknownFields(asMap(node.get("items")), list.get(i), path + "[" + i + "]", out);
      }
    }
  }

  // ---- CEL
  // ---------------------------------------------------------------------------------------

  private void cel(
      Map<String, Object> node, Object value, Object oldValue, String path, List<Violation> out) {
    if (value == null) {
      return;
    }
    Object rules = node.get("x-kubernetes-validations");
    if (rules instanceof List<?> list) {
      for (Object r : list) {
        Map<String, Object> rule = asMap(r);
        String expr = (String) rule.get("rule");
        boolean transition = expr.contains("oldSelf");
        if (transition && oldValue == null) {
          continue; // transition rules only run on update, when the old value exists
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("self", toCel(value));
        if (transition) {
          vars.put("oldSelf", toCel(oldValue));
        }
        Object result = eval(expr, vars);
        if (!Boolean.TRUE.equals(result)) {
          out.add(
              new Violation(path.isEmpty() ? "<root>" : path, expr, (String) rule.get("message")));
        }
      }
    }
    Map<String, Object> props = asMap(node.get("properties"));
    if (props != null && value instanceof Map<?, ?> map) {
      Map<?, ?> oldMap = oldValue instanceof Map<?, ?> m ? m : Map.of();
      for (var e : props.entrySet()) {
        if (map.containsKey(e.getKey())) {
          cel(
              asMap(e.getValue()),
              map.get(e.getKey()),
              oldMap.get(e.getKey()),
              path + "." + e.getKey(),
              out);
        }
      }
    }
    if (node.get("items") != null && value instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        cel(asMap(node.get("items")), items.get(i), null, path + "[" + i + "]", out);
      }
    }
  }

  private Object eval(String expr, Map<String, Object> vars) {
    try {
      CelRuntime.Program program = programs.get(expr);
      if (program == null) {
        CelAbstractSyntaxTree ast = COMPILER.compile(expr).getAst();
        program = RUNTIME.createProgram(ast);
        programs.put(expr, program);
      }
      return program.eval(vars);
    } catch (CelValidationException e) {
      throw new IllegalStateException("CEL rule does not compile: " + expr + ": " + e, e);
    } catch (CelEvaluationException e) {
      return e; // an evaluation error rejects the object, as in the API server
    }
  }

  /** JSON numbers as CEL ints (Long) and doubles; maps and lists recursively. */
  private static Object toCel(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), toCel(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(CrdValidator::toCel).toList();
    }
    if (v instanceof Integer i) {
      return i.longValue();
    }
    return v;
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static <T> T deepCopy(T value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), deepCopy(v)));
      return (T) out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(deepCopy(v)));
      return (T) out;
    }
    return value;
  }

  private static Object withoutKubernetesExtensions(Object node) {
    if (node instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            if (!key.startsWith("x-kubernetes-")) {
              out.put(key, withoutKubernetesExtensions(v));
            }
          });
      return out;
    }
    if (node instanceof List<?> l) {
      return l.stream().map(CrdValidator::withoutKubernetesExtensions).toList();
    }
    return node;
  }

  private static void collectRules(Object node, List<String> rules) {
    if (node instanceof Map<?, ?> m) {
      Object v = m.get("x-kubernetes-validations");
      if (v instanceof List<?> list) {
        list.forEach(r -> rules.add((String) asMap(r).get("rule")));
      }
      m.values().forEach(x -> collectRules(x, rules));
    } else if (node instanceof List<?> l) {
      l.forEach(x -> collectRules(x, rules));
    }
  }
}
