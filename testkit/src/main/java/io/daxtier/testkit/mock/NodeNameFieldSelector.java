package io.daxtier.testkit.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Pod and ResourceSlice lists with the field selector {@code spec.nodeName=<node>}, as the API
 * server answers them.
 *
 * <p>The CRUD mock turns every field requirement into an attribute to match against the keys it
 * stores, and those carry only name and namespace (and labels): {@code spec.nodeName} would match
 * nothing and the list would come back empty. Here the requirement is taken out of the query, the
 * rest is answered as before, and the items are filtered on {@code spec.nodeName}. Lists only: a
 * watch with that selector still passes through unchanged (the operator never opens one).
 *
 * <p>Used by the sandbox's embedded API ({@code IndexedCrudDispatcher}) and by {@link
 * PodsByNodeDispatcher} (the operator's and the agent's tests).
 */
public final class NodeNameFieldSelector {
  public static final String FIELD = "spec.nodeName";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern POD_LIST =
      Pattern.compile(
          "^(/api/v1/(namespaces/[^/]+/)?pods|/apis/resource\\.k8s\\.io/v1/resourceslices)$");

  private NodeNameFieldSelector() {}

  /** Answers {@code path} through {@code get}, applying a {@code spec.nodeName} selector itself. */
  public static MockResponse get(String path, Function<String, MockResponse> get) {
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
