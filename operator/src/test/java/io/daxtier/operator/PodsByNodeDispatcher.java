package io.daxtier.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Fabric8's CRUD mock dispatcher, plus pod lists with the field selector {@code
 * spec.nodeName=<node>} answered as the API server does (the stock one answers them with no items:
 * it matches field requirements against stored keys, which carry only name, namespace and labels).
 * The operator lists a draining node's pods that way. The sandbox's embedded API does the same in
 * {@code io.daxtier.sandbox.NodeNameFieldSelector}; the sandbox depends on the operator, so the
 * operator's tests cannot reuse it. Lists only: watches pass through unchanged.
 */
public final class PodsByNodeDispatcher extends KubernetesCrudDispatcher {
  static final String FIELD = "spec.nodeName";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern POD_LIST = Pattern.compile("^/api/v1/(namespaces/[^/]+/)?pods$");

  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final MockDispatcher expected;

  private PodsByNodeDispatcher(Map<ServerRequest, Queue<ServerResponse>> expectations) {
    this.expectations = expectations;
    this.expected = new MockDispatcher(expectations);
  }

  /**
   * A started mock API server in CRUD mode with this dispatcher; like the stock mixed mode, a
   * request with a recorded expectation ({@code server.expect()}) gets that answer instead.
   */
  public static KubernetesMockServer startServer() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new ConcurrentHashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new PodsByNodeDispatcher(expectations),
            false);
    server.init();
    return server;
  }

  /**
   * Answers JOSDK's leader-election access review (a self-subject rules review) with full rights on
   * leases, as the chart's RBAC grants.
   */
  public static void allowLeases(KubernetesMockServer server) {
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewStatus()
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("*")
                .endResourceRule()
                .withIncomplete(false)
                .endStatus()
                .build())
        .always();
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> queue =
        expectations.get(new SimpleRequest(request.method(), request.getPath()));
    if (queue != null && !queue.isEmpty()) {
      return expected.dispatch(request);
    }
    return super.dispatch(request);
  }

  @Override
  public MockResponse handleGet(String path) {
    return get(path, super::handleGet);
  }

  private static MockResponse get(String path, Function<String, MockResponse> get) {
    int q = path.indexOf('?');
    if (q < 0 || !POD_LIST.matcher(path.substring(0, q)).matches()) {
      return get.apply(path);
    }
    List<String> params = new ArrayList<>();
    String node = null;
    boolean watch = false;
    for (String param : path.substring(q + 1).split("&")) {
      int eq = param.indexOf('=');
      String key = eq < 0 ? param : param.substring(0, eq);
      String value =
          eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
      watch |= key.equals("watch") && value.equals("true");
      if (!key.equals("fieldSelector")) {
        params.add(param);
        continue;
      }
      List<String> rest = new ArrayList<>();
      for (String requirement : value.split(",")) {
        String[] kv = requirement.split("==?", 2);
        if (kv.length == 2 && kv[0].trim().equals(FIELD) && !requirement.contains("!=")) {
          node = kv[1].trim();
        } else if (!requirement.isBlank()) {
          rest.add(requirement);
        }
      }
      if (!rest.isEmpty()) {
        params.add(
            "fieldSelector=" + URLEncoder.encode(String.join(",", rest), StandardCharsets.UTF_8));
      }
    }
    if (node == null || watch) {
      return get.apply(path);
    }
    String plain = path.substring(0, q) + (params.isEmpty() ? "" : "?" + String.join("&", params));
    MockResponse response = get.apply(plain);
    if (response.code() != 200) {
      return response;
    }
    return response.setBody(filter(response.getBody().readUtf8(), node));
  }

  private static String filter(String body, String node) {
    try {
      JsonNode list = JSON.readTree(body);
      if (!(list instanceof ObjectNode doc) || !(list.get("items") instanceof ArrayNode items)) {
        return body;
      }
      ArrayNode kept = JSON.createArrayNode();
      items.forEach(
          item -> {
            if (node.equals(item.path("spec").path("nodeName").asText(null))) {
              kept.add(item);
            }
          });
      doc.set("items", kept);
      return JSON.writeValueAsString(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
