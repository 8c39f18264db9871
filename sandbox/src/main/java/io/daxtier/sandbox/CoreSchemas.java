package io.daxtier.sandbox;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * OpenAPI v2 definitions of the core kinds the sandbox serves (Node, Pod, Event, Namespace, Lease),
 * named as a real server names them ({@code io.k8s.api.core.v1.NodeSpec}, {@code
 * io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta}). Their structure is read from the Fabric8 model
 * classes the sandbox stores and serves them with (Jackson's view of their properties), so every
 * field is one the sandbox really round-trips; the Fabric8 jars carry no schema or descriptions, so
 * the descriptions come from {@code openapi/core-descriptions.properties} ({@code Type} and {@code
 * Type.field}), written for the fields kubectl shows. Quantities, int-or-strings and timestamps are
 * inlined as strings rather than referenced definitions.
 */
final class CoreSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "io.fabric8.kubernetes.api.model";
  private static final Set<String> META =
      Set.of(
          "ObjectMeta",
          "ListMeta",
          "OwnerReference",
          "ManagedFieldsEntry",
          "FieldsV1",
          "LabelSelector",
          "LabelSelectorRequirement",
          "Condition",
          "Status",
          "StatusDetails",
          "StatusCause");

  /** The kinds, with their group and version. */
  private static final List<List<Object>> KINDS =
      List.of(
          List.of(Node.class, "", "v1"),
          List.of(Pod.class, "", "v1"),
          List.of(Event.class, "", "v1"),
          List.of(Namespace.class, "", "v1"),
          List.of(Lease.class, "coordination.k8s.io", "v1"));

  private static final Properties DESCRIPTIONS = load("/openapi/core-descriptions.properties");

  private CoreSchemas() {}

  /** The definition name of {@code metadata}. */
  static final String OBJECT_META = nameOf(ObjectMeta.class);

  /** Definition name to v2 schema, for every kind and every type they reach. */
  static Map<String, Object> definitions() {
    Map<String, Object> definitions = new TreeMap<>();
    for (List<Object> k : KINDS) {
      Class<?> type = (Class<?>) k.get(0);
      String name = define(type, definitions);
      @SuppressWarnings("unchecked")
      Map<String, Object> schema = (Map<String, Object>) definitions.get(name);
      Map<String, Object> gvk = new LinkedHashMap<>();
      gvk.put("group", k.get(1));
      gvk.put("kind", type.getSimpleName());
      gvk.put("version", k.get(2));
      schema.put("x-kubernetes-group-version-kind", List.of(gvk));
    }
    return definitions;
  }

  /** The definitions of {@code ObjectMeta} and the types it reaches. */
  static Map<String, Object> objectMeta() {
    Map<String, Object> definitions = new TreeMap<>();
    define(ObjectMeta.class, definitions);
    return definitions;
  }

  /** The description of {@code key} ({@code Type}, {@code Type.field} or {@code *.field}). */
  static String description(String key) {
    return DESCRIPTIONS.getProperty(key);
  }

  /** The description keys ({@code Type} or {@code Type.field}), for the test that they resolve. */
  static Set<String> describedKeys() {
    return DESCRIPTIONS.stringPropertyNames();
  }

  /** A real server's definition name for a Fabric8 model class. */
  static String nameOf(Class<?> type) {
    String pkg = type.getPackageName();
    String simple = type.getSimpleName();
    if (pkg.equals(MODEL)) {
      return (META.contains(simple)
              ? "io.k8s.apimachinery.pkg.apis.meta.v1."
              : "io.k8s.api.core.v1.")
          + simple;
    }
    return "io.k8s.api" + pkg.substring(MODEL.length()) + "." + simple;
  }

  private static String define(Class<?> type, Map<String, Object> definitions) {
    String name = nameOf(type);
    if (definitions.containsKey(name)) {
      return name;
    }
    Map<String, Object> schema = new LinkedHashMap<>();
    definitions.put(name, schema); // before the fields: a type may reach itself
    String simple = type.getSimpleName();
    describe(schema, simple);
    schema.put("type", "object");
    BeanDescription bean = JSON.getSerializationConfig().introspect(JSON.constructType(type));
    Map<String, Object> properties = new TreeMap<>();
    for (BeanPropertyDefinition p : bean.findProperties()) {
      if (!p.couldSerialize() || "additionalProperties".equals(p.getName())) {
        continue;
      }
      Map<String, Object> field = schemaOf(p.getPrimaryType(), definitions);
      describe(field, simple + "." + p.getName());
      properties.put(p.getName(), field);
    }
    if (!properties.isEmpty()) {
      schema.put("properties", properties);
    }
    return name;
  }

  private static void describe(Map<String, Object> schema, String key) {
    String description = DESCRIPTIONS.getProperty(key);
    if (description == null && key.contains(".")) {
      description = DESCRIPTIONS.getProperty("*" + key.substring(key.indexOf('.')));
    }
    if (description != null) {
      schema.put("description", description);
    }
  }

  private static Map<String, Object> schemaOf(JavaType t, Map<String, Object> definitions) {
    Class<?> raw = t.getRawClass();
    Map<String, Object> s = new LinkedHashMap<>();
    if (t.isCollectionLikeType() || t.isArrayType()) {
      s.put("type", "array");
      s.put("items", schemaOf(t.getContentType(), definitions));
    } else if (t.isMapLikeType()) {
      s.put("type", "object");
      s.put("additionalProperties", schemaOf(t.getContentType(), definitions));
    } else if (raw == String.class
        || raw.isEnum()
        || raw == Quantity.class
        || raw == Duration.class) {
      s.put("type", "string");
    } else if (raw == IntOrString.class) {
      s.put("type", "string");
      s.put("format", "int-or-string");
    } else if (raw == MicroTime.class) {
      s.put("type", "string");
      s.put("format", "date-time");
    } else if (raw == Integer.class || raw == int.class) {
      s.put("type", "integer");
      s.put("format", "int32");
    } else if (raw == Long.class || raw == long.class) {
      s.put("type", "integer");
      s.put("format", "int64");
    } else if (raw == Boolean.class || raw == boolean.class) {
      s.put("type", "boolean");
    } else if (raw == Double.class || raw == Float.class) {
      s.put("type", "number");
      s.put("format", "double");
    } else if (raw.getPackageName().startsWith(MODEL) && !raw.getSimpleName().equals("AnyType")) {
      s.put("$ref", "#/definitions/" + define(raw, definitions));
    }
    // anything else (Object, AnyType): an arbitrary value, no type
    return s;
  }

  private static Properties load(String resource) {
    Properties p = new Properties();
    try (InputStream in = CoreSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the classpath: " + resource);
      }
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
