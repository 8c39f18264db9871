package io.daxtier.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI v3 documents the API server publishes for the CRDs: the index at {@code /openapi/v3}
 * and one document per group version ({@code /openapi/v3/apis/daxtier.io/v1alpha1}) whose schemas
 * are the CRDs' own, tagged with {@code x-kubernetes-group-version-kind}, and whose paths carry the
 * operations with their query parameters. kubectl reads them for {@code explain} and to learn that
 * the server validates fields itself ({@code fieldValidation} on PATCH), so {@code kubectl apply}
 * validates without downloading the (protobuf) v2 document, which {@link OpenApiV2} serves beside.
 */
final class OpenApi {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  static final String GROUP_VERSION_PATH = "/openapi/v3/apis/daxtier.io/v1alpha1";
  static final String CORE_PATH = "/openapi/v3/api/v1";

  /** The core kinds the sandbox serves: plural, kind, namespaced. */
  private static final List<List<Object>> CORE =
      List.of(
          List.of("nodes", "Node", false),
          List.of("pods", "Pod", true),
          List.of("events", "Event", true),
          List.of("namespaces", "Namespace", false));

  private OpenApi() {}

  /** The index: group version to the URL of its document. */
  static Map<String, Object> index() {
    Map<String, Object> paths = new LinkedHashMap<>();
    paths.put(
        "apis/daxtier.io/v1alpha1",
        Map.of("serverRelativeURL", GROUP_VERSION_PATH + "?hash=daxtier"));
    paths.put("api/v1", Map.of("serverRelativeURL", CORE_PATH + "?hash=daxtier"));
    return Map.of("paths", paths);
  }

  /**
   * The schemas of the CRDs' kinds and their lists, named as a real server names them ({@code
   * io.daxtier.v1alpha1.PmemPool}): each the CRD's own {@code openAPIV3Schema}, tagged with {@code
   * x-kubernetes-group-version-kind}. The v3 document serves them as they are and the v2 document
   * ({@link OpenApiV2}) converts them, so the two cannot drift.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> crdSchemas(List<CustomResourceDefinition> crds) {
    Map<String, Map<String, Object>> schemas = new LinkedHashMap<>();
    for (CustomResourceDefinition crd : crds) {
      String group = crd.getSpec().getGroup();
      CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
      String kind = crd.getSpec().getNames().getKind();
      String schemaName = schemaName(crd);
      Map<String, Object> schema =
          new LinkedHashMap<>(
              JSON.convertValue(version.getSchema().getOpenAPIV3Schema(), Map.class));
      schema.put("properties", withTypeMeta((Map<String, Object>) schema.get("properties")));
      schema.put("x-kubernetes-group-version-kind", List.of(gvk(group, version.getName(), kind)));
      schemas.put(schemaName, schema);
      Map<String, Object> list = new LinkedHashMap<>();
      list.put("type", "object");
      list.put("required", List.of("items"));
      list.put(
          "properties",
          Map.of(
              "apiVersion", Map.of("type", "string"),
              "kind", Map.of("type", "string"),
              "metadata", Map.of("type", "object"),
              "items", Map.of("type", "array", "items", ref(schemaName))));
      list.put(
          "x-kubernetes-group-version-kind", List.of(gvk(group, version.getName(), kind + "List")));
      schemas.put(schemaName + "List", list);
    }
    return schemas;
  }

  /**
   * A kind's root properties with {@code apiVersion}, {@code kind} and {@code metadata} (a
   * reference to {@code ObjectMeta}) described first, as the API server adds them to a CRD's
   * published schema.
   */
  private static Map<String, Object> withTypeMeta(Map<String, Object> properties) {
    Map<String, Object> all = new LinkedHashMap<>();
    for (String field : List.of("apiVersion", "kind")) {
      all.put(
          field, Map.of("type", "string", "description", CoreSchemas.description("*." + field)));
    }
    all.put(
        "metadata",
        Map.of(
            "$ref",
            "#/components/schemas/" + CoreSchemas.OBJECT_META,
            "description",
            CoreSchemas.description("*.metadata")));
    if (properties != null) {
      all.putAll(properties);
    }
    return all;
  }

  /** {@code ObjectMeta} and what it reaches, for the v3 documents ({@link CoreSchemas} is v2). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> objectMetaSchemas() {
    return (Map<String, Object>) v3Refs(CoreSchemas.objectMeta());
  }

  /** A v2 schema's references ({@code #/definitions/}) pointed at v3's components. */
  @SuppressWarnings("unchecked")
  private static Object v3Refs(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<String, Object>) map)
          .forEach(
              (k, v) ->
                  copy.put(
                      k,
                      "$ref".equals(k) && v instanceof String ref
                          ? ref.replace("#/definitions/", "#/components/schemas/")
                          : v3Refs(v)));
      return copy;
    }
    if (node instanceof List<?> list) {
      return list.stream().map(OpenApi::v3Refs).toList();
    }
    return node;
  }

  private static String schemaName(CustomResourceDefinition crd) {
    return "io.daxtier."
        + crd.getSpec().getVersions().get(0).getName()
        + "."
        + crd.getSpec().getNames().getKind();
  }

  /** The document of {@code daxtier.io/v1alpha1}. */
  static Map<String, Object> groupVersion(List<CustomResourceDefinition> crds) {
    Map<String, Object> schemas = new LinkedHashMap<>(crdSchemas(crds));
    schemas.putAll(objectMetaSchemas());
    Map<String, Object> paths = new LinkedHashMap<>();
    for (CustomResourceDefinition crd : crds) {
      String group = crd.getSpec().getGroup();
      CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
      String kind = crd.getSpec().getNames().getKind();
      String plural = crd.getSpec().getNames().getPlural();
      String schemaName = schemaName(crd);
      Map<String, Object> gvk = gvk(group, version.getName(), kind);
      String base = "/apis/" + group + "/" + version.getName() + "/" + plural;
      paths.put(
          base,
          Map.of(
              "get", operation("list", kind, gvk, schemaName + "List", List.of()),
              "post", operation("post", kind, gvk, schemaName, writeParams()),
              "delete", operation("deletecollection", kind, gvk, schemaName, List.of())));
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("get", operation("get", kind, gvk, schemaName, List.of()));
      item.put("put", operation("put", kind, gvk, schemaName, writeParams()));
      item.put("patch", operation("patch", kind, gvk, schemaName, writeParams()));
      item.put("delete", operation("delete", kind, gvk, schemaName, List.of()));
      item.put("parameters", List.of(param("path", "name", true)));
      paths.put(base + "/{name}", item);
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("get", operation("get", kind, gvk, schemaName, List.of()));
      status.put("put", operation("put", kind, gvk, schemaName, writeParams()));
      status.put("patch", operation("patch", kind, gvk, schemaName, writeParams()));
      status.put("parameters", List.of(param("path", "name", true)));
      paths.put(base + "/{name}/status", status);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.0");
    doc.put("info", Map.of("title", "Kubernetes", "version", "v1.31.0-daxtier-sandbox"));
    doc.put("paths", paths);
    doc.put("components", Map.of("schemas", schemas));
    return doc;
  }

  /**
   * The core group: open schemas (any field is kept) with the operations, so kubectl applies Nodes,
   * Pods and Events with server-side field validation and {@code explain} names their kinds; it
   * does not describe their fields.
   */
  static Map<String, Object> core() {
    Map<String, Object> schemas = new LinkedHashMap<>();
    Map<String, Object> paths = new LinkedHashMap<>();
    for (List<Object> c : CORE) {
      String plural = (String) c.get(0);
      String kind = (String) c.get(1);
      boolean namespaced = (Boolean) c.get(2);
      String schemaName = "io.k8s.api.core.v1." + kind;
      Map<String, Object> gvk = gvk("", "v1", kind);
      Map<String, Object> schema = new LinkedHashMap<>();
      schema.put("description", kind + " (served by the daxtier sandbox; fields not described)");
      schema.put("type", "object");
      schema.put(
          "properties",
          Map.of(
              "apiVersion", Map.of("type", "string"),
              "kind", Map.of("type", "string"),
              "metadata", Map.of("type", "object")));
      schema.put("x-kubernetes-preserve-unknown-fields", true);
      schema.put("x-kubernetes-group-version-kind", List.of(gvk));
      schemas.put(schemaName, schema);
      String base = "/api/v1/" + (namespaced ? "namespaces/{namespace}/" : "") + plural;
      paths.put(
          base,
          Map.of(
              "get", operation("list", kind, gvk, schemaName, List.of()),
              "post", operation("post", kind, gvk, schemaName, writeParams())));
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("get", operation("get", kind, gvk, schemaName, List.of()));
      item.put("put", operation("put", kind, gvk, schemaName, writeParams()));
      item.put("patch", operation("patch", kind, gvk, schemaName, writeParams()));
      item.put("delete", operation("delete", kind, gvk, schemaName, List.of()));
      paths.put(base + "/{name}", item);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.0");
    doc.put("info", Map.of("title", "Kubernetes", "version", "v1.31.0-daxtier-sandbox"));
    doc.put("paths", paths);
    doc.put("components", Map.of("schemas", schemas));
    return doc;
  }

  private static Map<String, Object> gvk(String group, String version, String kind) {
    Map<String, Object> gvk = new LinkedHashMap<>();
    gvk.put("group", group);
    gvk.put("kind", kind);
    gvk.put("version", version);
    return gvk;
  }

  private static Map<String, Object> ref(String schemaName) {
    return Map.of("$ref", "#/components/schemas/" + schemaName);
  }

  private static List<Map<String, Object>> writeParams() {
    return List.of(
        param("query", "dryRun", false),
        param("query", "fieldManager", false),
        param("query", "fieldValidation", false),
        param("query", "force", false));
  }

  private static Map<String, Object> param(String in, String name, boolean required) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("name", name);
    p.put("in", in);
    p.put("required", required);
    p.put("schema", Map.of("type", "string", "uniqueItems", true));
    return p;
  }

  private static Map<String, Object> operation(
      String action,
      String kind,
      Map<String, Object> gvk,
      String schemaName,
      List<Map<String, Object>> params) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", action + kind);
    op.put("parameters", params);
    op.put(
        "responses",
        Map.of(
            "200",
            Map.of(
                "description",
                "OK",
                "content",
                Map.of("application/json", Map.of("schema", ref(schemaName))))));
    op.put("x-kubernetes-action", action);
    op.put("x-kubernetes-group-version-kind", gvk);
    return op;
  }
}
