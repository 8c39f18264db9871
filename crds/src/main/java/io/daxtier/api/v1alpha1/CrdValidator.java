package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates objects against a generated CRD the way the API server would, without one: structural
 * defaults, the OpenAPI schema (JSON-schema validator), unknown fields (strict field validation),
 * and every {@code x-kubernetes-validations} CEL rule (cel-java), including transition rules on
 * update. The crds tests check every rule with it; the sandbox's embedded API admits daxtier
 * objects with it.
 */
public final class CrdValidator {

  /**
   * A rule that rejected the object.
   *
   * @param path where, as the validator found it (JSON pointer for schema errors, {@code .a.b} for
   *     CEL rules)
   * @param rule the CEL rule, empty for schema errors
   * @param message the validator's own message
   * @param field the field as the API server names it ({@code spec.resource.name}), empty for the
   *     root
   * @param type the API server's error type: {@code Invalid value}, {@code Unsupported value},
   *     {@code Required value}, {@code Forbidden}, {@code Duplicate value}
   * @param value how the API server prints the value, e.g. {@code "1Mi"} or {@code "string"}, null
   *     when it prints none
   * @param detail the API server's detail text after the value
   * @param unknownField whether this is an unknown field (strict decoding, not a 422)
   */
  public record Violation(
      String path,
      String rule,
      String message,
      String field,
      String type,
      String value,
      String detail,
      boolean unknownField) {
    @Override
    public String toString() {
      return path + ": " + message;
    }

    /** The reason of the cause in a {@code Status}: {@code FieldValueInvalid} etc. */
    public String reason() {
      return switch (type) {
        case "Unsupported value" -> "FieldValueNotSupported";
        case "Required value" -> "FieldValueRequired";
        case "Forbidden" -> "FieldValueForbidden";
        case "Duplicate value" -> "FieldValueDuplicate";
        case "Too long" -> "FieldValueTooLong";
        case "Too many" -> "FieldValueTooMany";
        default -> "FieldValueInvalid";
      };
    }

    /** One cause as the API server words it: {@code spec.x: Invalid value: "1Mi": detail}. */
    public String apiMessage() {
      StringBuilder b = new StringBuilder(field.isEmpty() ? "<nil>" : field).append(": ");
      b.append(type);
      if (value != null) {
        b.append(": ").append(value);
      }
      if (detail != null && !detail.isEmpty()) {
        b.append(": ").append(detail);
      }
      return b.toString();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern INDEX = Pattern.compile("^\\d+$");
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
  private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();

  private CrdValidator(Map<String, Object> schema) {
    this.schema = schema;
    this.jsonSchema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
            .getSchema(asJson(withoutKubernetesExtensions(schema)));
  }

  /** A validator for an {@code openAPIV3Schema} in its generic map form. */
  public static CrdValidator forSchema(Map<String, Object> openApiV3Schema) {
    return new CrdValidator(deepCopy(openApiV3Schema));
  }

  /** Loads the CRD the build generated onto the classpath, e.g. {@code pmempools.daxtier.io}. */
  public static CrdValidator forCrd(String crdName) {
    String resource = "/META-INF/fabric8/" + crdName + "-v1.yml";
    try (InputStream in = CrdValidator.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("generated CRD not on the classpath: " + resource);
      }
      Map<String, Object> crd = asMap(YAML.readValue(in, Map.class));
      Map<String, Object> version =
          asMap(((List<?>) asMap(crd.get("spec")).get("versions")).get(0));
      return new CrdValidator(asMap(asMap(version.get("schema")).get("openAPIV3Schema")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every CEL rule in the CRD, for coverage checks. */
  public List<String> allRules() {
    List<String> rules = new ArrayList<>();
    collectRules(schema, rules);
    return rules;
  }

  /** Parses YAML into the generic map form the validator works on. */
  public static Map<String, Object> yaml(String text) {
    try {
      return asMap(YAML.readValue(text, Map.class));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The violations of a new object, none when the API server would accept it. */
  public List<Violation> validateCreate(Map<String, Object> object) {
    return validate(null, object);
  }

  /** The violations of an update from {@code old}, transition rules included. */
  public List<Violation> validateUpdate(Map<String, Object> old, Map<String, Object> object) {
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
        .validate(asJson(current), InputFormat.JSON)
        .forEach(e -> out.add(schemaViolation(e)));
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
          String field = (path + "." + key).substring(1);
          out.add(
              new Violation(
                  path + "." + key,
                  "",
                  "unknown field \"" + key + "\"",
                  field,
                  "Invalid value",
                  null,
                  "field not declared in schema",
                  true));
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
          String message = (String) rule.get("message");
          if (message == null) {
            message = "failed rule: " + expr;
          }
          String at = path + (rule.get("fieldPath") instanceof String fp ? fp : "");
          String type =
              switch (String.valueOf(rule.get("reason"))) {
                case "FieldValueForbidden" -> "Forbidden";
                case "FieldValueRequired" -> "Required value";
                case "FieldValueDuplicate" -> "Duplicate value";
                default -> "Invalid value";
              };
          String shown = type.equals("Invalid value") ? quote(celTypeName(value)) : null;
          out.add(
              new Violation(
                  path.isEmpty() ? "<root>" : path,
                  expr,
                  message,
                  at.isEmpty() ? "" : at.substring(1),
                  type,
                  shown,
                  message,
                  false));
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

  // ---- the API server's wording ---------------------------------------------------------------

  private static Violation schemaViolation(Error e) {
    String location = field(e.getInstanceLocation().toString());
    JsonNode node = e.getInstanceNode();
    String keyword = e.getKeyword() == null ? "" : e.getKeyword();
    JsonNode schemaNode = e.getSchemaNode();
    String value = node == null || node.isMissingNode() ? null : shown(node);
    String inBody = (location.isEmpty() ? "body" : location) + " in body";
    String type = "Invalid value";
    String detail;
    String field = location;
    switch (keyword) {
      case "required" -> {
        field = join(location, e.getProperty());
        type = "Required value";
        value = null;
        detail = "";
      }
      case "enum" -> {
        type = "Unsupported value";
        List<String> allowed = new ArrayList<>();
        if (schemaNode != null) {
          schemaNode.forEach(v -> allowed.add(shown(v)));
        }
        detail = "supported values: " + String.join(", ", allowed);
      }
      case "pattern" -> detail = inBody + " should match '" + text(schemaNode) + "'";
      case "minimum" -> detail = inBody + " should be greater than or equal to " + text(schemaNode);
      case "maximum" -> detail = inBody + " should be less than or equal to " + text(schemaNode);
      case "minLength" ->
          detail = inBody + " should be at least " + text(schemaNode) + " chars long";
      case "maxLength" -> {
        type = "Too long";
        value = null;
        detail = "may not be more than " + text(schemaNode) + " bytes";
      }
      case "minItems" -> detail = inBody + " should have at least " + text(schemaNode) + " items";
      case "maxItems" -> {
        type = "Too many";
        detail = "must have at most " + text(schemaNode) + " items";
        value = node == null ? null : String.valueOf(node.size());
      }
      case "type" ->
          detail = inBody + " must be of type " + text(schemaNode) + ": " + quote(typeName(node));
      default -> detail = e.getMessage();
    }
    return new Violation(
        e.getInstanceLocation().toString(), "", e.getMessage(), field, type, value, detail, false);
  }

  private static String text(JsonNode node) {
    return node == null ? "" : node.isTextual() ? node.asText() : node.toString();
  }

  /** How the API server prints a value in an error: strings quoted, numbers bare. */
  private static String shown(JsonNode node) {
    if (node.isTextual()) {
      return quote(node.asText());
    }
    if (node.isObject()) {
      return quote("object");
    }
    if (node.isArray()) {
      return quote("array");
    }
    return node.toString();
  }

  private static String typeName(JsonNode node) {
    if (node == null) {
      return "null";
    }
    return switch (node.getNodeType()) {
      case STRING -> "string";
      case NUMBER -> node.isIntegralNumber() ? "integer" : "number";
      case BOOLEAN -> "boolean";
      case ARRAY -> "array";
      case OBJECT -> "object";
      default -> "null";
    };
  }

  private static String celTypeName(Object value) {
    if (value instanceof Map<?, ?>) {
      return "object";
    }
    if (value instanceof List<?>) {
      return "array";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    if (value instanceof Number n) {
      return n instanceof Double || n instanceof Float ? "number" : "integer";
    }
    return "null";
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      return "\"" + s + "\"";
    }
  }

  private static String join(String parent, String child) {
    if (child == null || child.isEmpty()) {
      return parent;
    }
    return parent.isEmpty() ? child : parent + "." + child;
  }

  /** {@code $.spec.a[0]} or {@code /spec/a/0} as the API server's {@code spec.a[0]}. */
  static String field(String location) {
    String s = location;
    if (s.startsWith("$")) {
      s = s.substring(1);
    }
    if (s.startsWith(".")) {
      s = s.substring(1);
    }
    if (!s.startsWith("/")) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (String step : s.substring(1).split("/")) {
      if (step.isEmpty()) {
        continue;
      }
      Matcher m = INDEX.matcher(step);
      if (m.matches()) {
        b.append('[').append(step).append(']');
      } else {
        b.append(b.length() == 0 ? "" : ".").append(step.replace("~1", "/").replace("~0", "~"));
      }
    }
    return b.toString();
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  private static String asJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

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
