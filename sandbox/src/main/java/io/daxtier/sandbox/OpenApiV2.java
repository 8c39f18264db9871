package io.daxtier.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI v2 document ({@code /openapi/v2}) the API server still publishes beside v3: the
 * daxtier kinds' definitions converted from the very schemas the v3 document serves ({@link
 * OpenApi#crdSchemas}), as the API server converts a CRD's structural schema for v2, plus the core
 * kinds the sandbox serves ({@link CoreSchemas}) and the operations of both v3 documents. kubectl
 * reads it only as protobuf ({@code explain --output=plaintext-openapiv2}); {@link #protobuf()}
 * encodes the same document ({@link OpenApiV2Proto}).
 */
final class OpenApiV2 {
  static final String PATH = "/openapi/v2";

  /** The media type kubectl asks for and a real server answers with. */
  static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
  private static final String V3_REF = "#/components/schemas/";
  private static final String V2_REF = "#/definitions/";

  private final Map<String, Object> json;
  private final byte[] protobuf;

  private OpenApiV2(Map<String, Object> json) {
    this.json = json;
    this.protobuf = OpenApiV2Proto.encode(json);
  }

  /** The document for {@code crds} and the sandbox's core kinds. */
  static OpenApiV2 of(List<CustomResourceDefinition> crds) {
    Map<String, Object> definitions = new LinkedHashMap<>();
    OpenApi.crdSchemas(crds).forEach((name, schema) -> definitions.put(name, toV2(schema)));
    definitions.putAll(CoreSchemas.definitions());
    Map<String, Object> paths = new LinkedHashMap<>();
    paths.putAll(paths(OpenApi.groupVersion(crds)));
    paths.putAll(paths(OpenApi.core()));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("swagger", "2.0");
    doc.put("info", Map.of("title", "Kubernetes", "version", "v1.31.0-daxtier-sandbox"));
    doc.put("paths", paths);
    doc.put("definitions", definitions);
    return new OpenApiV2(doc);
  }

  /** The document as JSON (what {@code Accept: application/json} gets). */
  Map<String, Object> json() {
    return json;
  }

  /** The document in gnostic's {@code openapi.v2.Document} protobuf encoding. */
  byte[] protobuf() {
    return protobuf.clone();
  }

  /**
   * A v3 schema as the API server publishes it in v2 (apiextensions-apiserver's {@code
   * ToStructuralOpenAPIV2}): no {@code allOf}/{@code anyOf}/{@code oneOf}/{@code not}; a nullable
   * or unknown-fields-preserving node loses its type, items and properties; an int-or-string loses
   * its type; a nullable property is no longer required. References point into {@code
   * #/definitions/}. Descriptions, formats, bounds and the {@code x-kubernetes-*} extensions stay.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> toV2(Map<String, Object> v3) {
    Map<String, Object> s = new LinkedHashMap<>(v3);
    s.remove("allOf");
    s.remove("anyOf");
    s.remove("oneOf");
    s.remove("not");
    if (s.get("$ref") instanceof String ref && ref.startsWith(V3_REF)) {
      s.put("$ref", V2_REF + ref.substring(V3_REF.length()));
    }
    boolean nullable = Boolean.TRUE.equals(s.remove("nullable"));
    boolean preserve = Boolean.TRUE.equals(s.remove("x-kubernetes-preserve-unknown-fields"));
    if (nullable || preserve) {
      s.remove("type");
      s.remove("items");
      s.remove("properties");
    }
    if (Boolean.TRUE.equals(s.get("x-kubernetes-int-or-string"))) {
      s.remove("type");
    }
    if (s.get("properties") instanceof Map<?, ?> properties) {
      Map<String, Object> converted = new LinkedHashMap<>();
      List<String> nullableFields = new ArrayList<>();
      ((Map<String, Object>) properties)
          .forEach(
              (name, p) -> {
                Map<String, Object> field = (Map<String, Object>) p;
                if (Boolean.TRUE.equals(field.get("nullable"))) {
                  nullableFields.add(name);
                }
                converted.put(name, toV2(field));
              });
      s.put("properties", converted);
      if (s.get("required") instanceof List<?> required && !nullableFields.isEmpty()) {
        List<Object> kept = new ArrayList<>(required);
        kept.removeAll(nullableFields);
        if (kept.isEmpty()) {
          s.remove("required");
        } else {
          s.put("required", kept);
        }
      }
    }
    if (s.get("items") instanceof Map<?, ?> items) {
      s.put("items", toV2((Map<String, Object>) items));
    }
    if (s.get("additionalProperties") instanceof Map<?, ?> additional) {
      s.put("additionalProperties", toV2((Map<String, Object>) additional));
    }
    return s;
  }

  /** The operations of a v3 document, in v2's shape. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> paths(Map<String, Object> v3) {
    Map<String, Object> paths = new LinkedHashMap<>();
    ((Map<String, Object>) v3.get("paths"))
        .forEach(
            (path, item) -> {
              Map<String, Object> converted = new LinkedHashMap<>();
              ((Map<String, Object>) item)
                  .forEach(
                      (key, value) -> {
                        if (METHODS.contains(key)) {
                          converted.put(key, operation((Map<String, Object>) value));
                        } else if ("parameters".equals(key)) {
                          converted.put(key, parameters((List<Map<String, Object>>) value));
                        }
                      });
              paths.put(path, converted);
            });
    return paths;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> operation(Map<String, Object> v3) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", v3.get("operationId"));
    op.put("parameters", parameters((List<Map<String, Object>>) v3.get("parameters")));
    Map<String, Object> responses = new LinkedHashMap<>();
    ((Map<String, Object>) v3.get("responses"))
        .forEach(
            (code, r) -> {
              Map<String, Object> response = (Map<String, Object>) r;
              Map<String, Object> v2 = new LinkedHashMap<>();
              v2.put("description", response.get("description"));
              if (response.get("content") instanceof Map<?, ?> content
                  && content.get("application/json") instanceof Map<?, ?> media
                  && media.get("schema") instanceof Map<?, ?> schema) {
                v2.put("schema", toV2((Map<String, Object>) schema));
              }
              responses.put(code, v2);
            });
    op.put("responses", responses);
    v3.forEach(
        (key, value) -> {
          if (key.startsWith("x-")) {
            op.put(key, value);
          }
        });
    return op;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> parameters(List<Map<String, Object>> v3) {
    List<Map<String, Object>> params = new ArrayList<>();
    for (Map<String, Object> p : v3) {
      Map<String, Object> v2 = new LinkedHashMap<>();
      v2.put("name", p.get("name"));
      v2.put("in", p.get("in"));
      v2.put("required", p.get("required"));
      if (p.get("schema") instanceof Map<?, ?> schema) {
        v2.putAll((Map<String, Object>) schema);
      }
      params.add(v2);
    }
    return params;
  }
}
