package io.daxtier.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CRUD mock's dispatcher (with its store indexed by name) plus the legacy discovery documents
 * ({@code /api}, {@code /apis} and the group versions the sandbox serves), answered whatever the
 * query string, so kubectl can map kinds to resources. The CRUD dispatcher alone answers {@code
 * /api?timeout=..} with a list of every stored object, which kubectl cannot read. Besides the
 * daxtier kinds it serves Dynamic Resource Allocation ({@code resource.k8s.io/v1}: ResourceSlices,
 * DeviceClasses, ResourceClaims) with the API server's table columns.
 */
final class DiscoveryDispatcher extends IndexedCrudDispatcher {
  private static final List<String> VERBS =
      List.of("get", "list", "watch", "create", "update", "patch", "delete");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final ObjectMapper JSON_TREE = new ObjectMapper();
  private static final Pattern CORE_RESOURCE =
      Pattern.compile("^/api/v1/(?:namespaces/[^/]+/)?(nodes|events)(/[^/?]+)?(\\?.*)?$");
  private static final Pattern CUSTOM_RESOURCE =
      Pattern.compile("^/apis/daxtier\\.io/v1alpha1/([a-z]+)(/[^/?]+)?(\\?.*)?$");
  private static final Pattern DRA_RESOURCE =
      Pattern.compile(
          "^/apis/resource\\.k8s\\.io/v1/(?:namespaces/[^/]+/)?([a-z]+)(/[^/?]+)?(\\?.*)?$");

  private final Map<String, Object> documents =
      Map.of(
          "/api",
          new APIVersionsBuilder()
              .withVersions("v1")
              .withServerAddressByClientCIDRs(List.of())
              .build(),
          "/api/v1",
          resources(
              "v1",
              resource("nodes", "Node", false, "no"),
              resource("pods", "Pod", true, "po"),
              resource("events", "Event", true, "ev"),
              resource("namespaces", "Namespace", false, "ns")),
          "/apis",
          new APIGroupListBuilder()
              .withGroups(
                  group("daxtier.io", "v1alpha1"),
                  group("coordination.k8s.io", "v1"),
                  group("resource.k8s.io", "v1"),
                  group("apiextensions.k8s.io", "v1"))
              .build(),
          "/apis/daxtier.io/v1alpha1",
          resources(
              "daxtier.io/v1alpha1",
              resource("pmempools", "PmemPool", false, "pmp"),
              resource("pmempools/status", "PmemPool", false, null),
              resource("pmemnodes", "PmemNode", false, "pmn"),
              resource("pmemnodes/status", "PmemNode", false, null)),
          "/apis/coordination.k8s.io/v1",
          resources("coordination.k8s.io/v1", resource("leases", "Lease", true, null)),
          "/apis/resource.k8s.io/v1",
          resources(
              "resource.k8s.io/v1",
              resource("resourceslices", "ResourceSlice", false, null),
              resource("deviceclasses", "DeviceClass", false, null),
              resource("resourceclaims", "ResourceClaim", true, null),
              resource("resourceclaims/status", "ResourceClaim", true, null),
              resource("resourceclaimtemplates", "ResourceClaimTemplate", true, null)),
          "/apis/apiextensions.k8s.io/v1",
          resources(
              "apiextensions.k8s.io/v1",
              resource("customresourcedefinitions", "CustomResourceDefinition", false, "crd")));

  private final Map<String, TableRenderer> tables;
  private final Admission admission;
  private final Map<String, Object> openApi;

  /** {@code tables}: plural ({@code pmempools}) to the renderer of its printer columns. */
  DiscoveryDispatcher(Map<String, TableRenderer> tables) {
    this(tables, new Admission(), Map.of());
  }

  /**
   * {@code admission} validates writes of the daxtier kinds; {@code openApi}: path ({@code
   * /openapi/v3/...}) to document ({@link OpenApiV2} for {@code /openapi/v2}).
   */
  DiscoveryDispatcher(
      Map<String, TableRenderer> tables, Admission admission, Map<String, Object> openApi) {
    this.tables = new HashMap<>(tables);
    this.tables.putIfAbsent("nodes", TableRenderer.nodes(Clock.systemUTC()));
    this.tables.putIfAbsent("events", TableRenderer.events(Clock.systemUTC()));
    this.tables.putIfAbsent("resourceslices", TableRenderer.resourceSlices(Clock.systemUTC()));
    this.tables.putIfAbsent("deviceclasses", TableRenderer.deviceClasses(Clock.systemUTC()));
    this.tables.putIfAbsent("resourceclaims", TableRenderer.resourceClaims(Clock.systemUTC()));
    this.admission = admission;
    this.openApi = openApi;
  }

  /** kubectl asks for server-side Tables; render the daxtier kinds with their printer columns. */
  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse refused = admission.admit(request, this::handleGet);
    if (refused != null) {
      return refused;
    }
    request = withoutStatusQuery(request);
    String accept = request.getHeader("Accept");
    String path = request.getPath();
    MockResponse v2 = openApiV2Protobuf(request.getMethod(), path, accept);
    if (v2 != null) {
      return v2;
    }
    if ("GET".equals(request.getMethod())
        && accept != null
        && accept.contains("as=Table")
        && !path.contains("watch=")) {
      Matcher m = CUSTOM_RESOURCE.matcher(path);
      if (!m.matches()) {
        m = CORE_RESOURCE.matcher(path);
      }
      if (!m.matches()) {
        m = DRA_RESOURCE.matcher(path);
      }
      if (m.matches() && tables.containsKey(m.group(1))) {
        MockResponse plain = super.handleGet(path);
        if (plain.code() == 200) {
          return json(asTable(tables.get(m.group(1)), plain.getBody().readUtf8()));
        }
        return plain;
      }
    }
    return super.dispatch(request);
  }

  /**
   * The OpenAPI v2 document in protobuf, when the client asks for it as client-go does (it reads v2
   * only as protobuf); any other {@code Accept} gets JSON from {@link #handleGet}.
   */
  private MockResponse openApiV2Protobuf(String method, String path, String accept) {
    int q = path == null ? -1 : path.indexOf('?');
    String bare = q < 0 ? path : path.substring(0, q);
    if (!"GET".equals(method)
        || accept == null
        || !accept.contains("protobuf")
        || !(openApi.get(bare) instanceof OpenApiV2 v2)) {
      return null;
    }
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", OpenApiV2.PROTOBUF)
        .setBody(v2.protobuf());
  }

  /**
   * A status write without its query string: the mock recognises the status subresource only when
   * the path ends in {@code /status}, and would otherwise keep the old status and drop the write
   * (kubectl always adds {@code ?fieldManager=...}). The query carries nothing the store uses.
   */
  private static RecordedRequest withoutStatusQuery(RecordedRequest request) {
    String path = request.getPath();
    int q = path == null ? -1 : path.indexOf('?');
    if (q < 0
        || !path.substring(0, q).endsWith("/status")
        || !("PATCH".equals(request.getMethod()) || "PUT".equals(request.getMethod()))) {
      return request;
    }
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        path.substring(0, q),
        request.getHeaders(),
        request.getBody());
  }

  /**
   * A JSON merge patch as RFC 7386 and the API server apply it: arrays are replaced, nulls delete.
   * The mock's own merge appends to arrays, which would pile up every list a status patch sends.
   */
  @Override
  public JsonNode merge(JsonNode baseResource, String updatedResource)
      throws KubernetesCrudDispatcherException {
    try {
      return mergePatch(baseResource.deepCopy(), JSON_TREE.readTree(updatedResource));
    } catch (JsonProcessingException e) {
      throw new KubernetesCrudDispatcherException(e.getMessage(), 422);
    }
  }

  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject() ? (ObjectNode) target : JSON_TREE.createObjectNode();
    patch
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isNull()) {
                result.remove(e.getKey());
              } else {
                result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
              }
            });
    return result;
  }

  /** One object as a one-row Table, for watches; null when {@code plural} has no renderer. */
  Object tableOf(String plural, Map<String, Object> object) {
    TableRenderer renderer = tables.get(plural);
    if (renderer == null) {
      return null;
    }
    Object rv = TableRenderer.at(object, ".metadata.resourceVersion");
    return renderer.table(List.of(object), rv == null ? "" : rv.toString());
  }

  @SuppressWarnings("unchecked")
  private static Object asTable(TableRenderer renderer, String body) {
    Map<String, Object> parsed = JSON.unmarshal(body, Map.class);
    List<Map<String, Object>> items =
        parsed.containsKey("items")
            ? (List<Map<String, Object>>) parsed.get("items")
            : List.of(parsed);
    Object rv = TableRenderer.at(parsed, ".metadata.resourceVersion");
    return renderer.table(items, rv == null ? "" : rv.toString());
  }

  private static MockResponse json(Object document) {
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(JSON.asJson(document));
  }

  @Override
  public MockResponse handleGet(String path) {
    int query = path.indexOf('?');
    String bare = query < 0 ? path : path.substring(0, query);
    Object document = documents.containsKey(bare) ? documents.get(bare) : openApi.get(bare);
    if (document == null) {
      return super.handleGet(path);
    }
    return json(document instanceof OpenApiV2 v2 ? v2.json() : document);
  }

  private static Object resources(String groupVersion, APIResource... resources) {
    return new APIResourceListBuilder()
        .withGroupVersion(groupVersion)
        .withResources(resources)
        .build();
  }

  private static APIResource resource(
      String plural, String kind, boolean namespaced, String shortName) {
    APIResourceBuilder b =
        new APIResourceBuilder()
            .withName(plural)
            .withKind(kind)
            .withNamespaced(namespaced)
            .withSingularName("")
            .withVerbs(VERBS);
    if (shortName != null) {
      b.withShortNames(shortName);
    }
    return b.build();
  }

  private static APIGroup group(String name, String version) {
    var gv =
        new GroupVersionForDiscoveryBuilder()
            .withGroupVersion(name + "/" + version)
            .withVersion(version)
            .build();
    return new APIGroupBuilder().withName(name).withVersions(gv).withPreferredVersion(gv).build();
  }
}
