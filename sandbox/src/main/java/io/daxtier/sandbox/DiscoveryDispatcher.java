package io.daxtier.sandbox;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.List;
import java.util.Map;

/**
 * The CRUD mock's dispatcher plus the legacy discovery documents ({@code /api}, {@code /apis} and
 * the group versions the sandbox serves), answered whatever the query string, so kubectl can map
 * kinds to resources. The CRUD dispatcher alone answers {@code /api?timeout=..} with a list of
 * every stored object, which kubectl cannot read.
 */
final class DiscoveryDispatcher extends KubernetesCrudDispatcher {
  private static final List<String> VERBS =
      List.of("get", "list", "watch", "create", "update", "patch", "delete");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

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
          "/apis/apiextensions.k8s.io/v1",
          resources(
              "apiextensions.k8s.io/v1",
              resource("customresourcedefinitions", "CustomResourceDefinition", false, "crd")));

  @Override
  public MockResponse handleGet(String path) {
    int query = path.indexOf('?');
    Object document = documents.get(query < 0 ? path : path.substring(0, query));
    if (document == null) {
      return super.handleGet(path);
    }
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(JSON.asJson(document));
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
