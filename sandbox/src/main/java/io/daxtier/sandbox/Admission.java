package io.daxtier.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.daxtier.api.v1alpha1.CrdValidator;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validating admission for the daxtier kinds, as the API server does for a CRD: every create,
 * update and patch (of the object or its status subresource) is checked against the CRD's OpenAPI
 * schema and CEL rules ({@link CrdValidator}) before the store sees it. A violation is answered
 * with the API server's {@code Status}: 422 {@code Invalid} with one cause per field, worded as
 * {@code PmemPool.daxtier.io "bad" is invalid: spec.resource.name: Invalid value: ...}. Unknown
 * fields are refused (400, strict decoding error) only when the request asks for {@code
 * fieldValidation=Strict}, as kubectl does; otherwise they pass, as with the API server's default.
 */
final class Admission {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Pattern WRITE =
      Pattern.compile("^/apis/daxtier\\.io/v1alpha1/([a-z]+)(?:/([^/?]+))?(/status)?(?:\\?(.*))?$");

  /** plural to kind and validator. */
  private final Map<String, Kind> kinds = new LinkedHashMap<>();

  record Kind(String kind, CrdValidator validator) {}

  void register(String plural, String kind, CrdValidator validator) {
    kinds.put(plural, new Kind(kind, validator));
  }

  /**
   * The refusal of a write, or null to let it through. {@code current} reads the stored object at a
   * path without query ({@code /apis/.../pmempools/x}), answering 200 with its JSON or not.
   */
  MockResponse admit(RecordedRequest request, Function<String, MockResponse> current) {
    String method = request.getMethod();
    if (!"POST".equals(method) && !"PUT".equals(method) && !"PATCH".equals(method)) {
      return null;
    }
    Matcher m = WRITE.matcher(request.getPath());
    if (!m.matches() || !kinds.containsKey(m.group(1))) {
      return null;
    }
    Kind kind = kinds.get(m.group(1));
    boolean strict = "Strict".equals(param(m.group(4), "fieldValidation"));
    try {
      String body =
          request.getBody() == null
              ? ""
              : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
      Map<String, Object> old = null;
      if (m.group(2) != null) {
        MockResponse stored =
            current.apply("/apis/daxtier.io/v1alpha1/" + m.group(1) + "/" + m.group(2));
        if (stored.code() == 200) {
          old = JSON.readValue(stored.getBody().readUtf8(), MAP);
        }
      }
      Map<String, Object> candidate;
      if ("POST".equals(method)) {
        candidate = JSON.readValue(body, MAP);
      } else if (old == null) {
        return null; // the store answers 404
      } else if ("PUT".equals(method)) {
        candidate = JSON.readValue(body, MAP);
        if (m.group(3) != null) {
          Map<String, Object> withStatus = new LinkedHashMap<>(old);
          withStatus.put("status", candidate.get("status"));
          candidate = withStatus;
        }
      } else {
        candidate = patched(old, body, request.getHeader("Content-Type"));
        if (candidate == null) {
          return null;
        }
      }
      candidate = withoutNulls(candidate);
      old = old == null ? null : withoutNulls(old);
      String name =
          m.group(2) != null
              ? m.group(2)
              : String.valueOf(TableRenderer.at(candidate, ".metadata.name"));
      List<CrdValidator.Violation> violations =
          old == null
              ? kind.validator().validateCreate(candidate)
              : kind.validator().validateUpdate(old, candidate);
      List<CrdValidator.Violation> unknown =
          violations.stream().filter(CrdValidator.Violation::unknownField).toList();
      if (strict && !unknown.isEmpty()) {
        return strictDecodingError(kind.kind(), unknown);
      }
      List<CrdValidator.Violation> invalid =
          violations.stream().filter(v -> !v.unknownField()).toList();
      return invalid.isEmpty() ? null : invalid(kind.kind(), name, invalid);
    } catch (IOException | RuntimeException e) {
      return null; // malformed input: the store answers it as before
    }
  }

  /** The API server drops null values of non-nullable fields before it validates. */
  @SuppressWarnings("unchecked")
  private static <T> T withoutNulls(T value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach(
          (k, v) -> {
            if (v != null) {
              out.put(String.valueOf(k), withoutNulls(v));
            }
          });
      return (T) out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(withoutNulls(v)));
      return (T) out;
    }
    return value;
  }

  private static Map<String, Object> patched(Map<String, Object> old, String body, String type)
      throws IOException {
    JsonNode base = JSON.valueToTree(old);
    String t = type == null ? "" : type;
    JsonNode result;
    if (t.startsWith("application/json-patch+json")) {
      result = JsonPatch.apply(JSON.readTree(body), base);
    } else if (t.startsWith("application/apply-patch+yaml")) {
      result = DiscoveryDispatcher.mergePatch(base, YAML.readTree(body));
    } else {
      result = DiscoveryDispatcher.mergePatch(base, JSON.readTree(body));
    }
    return result instanceof ObjectNode ? JSON.convertValue(result, MAP) : null;
  }

  private static MockResponse invalid(
      String kind, String name, List<CrdValidator.Violation> violations) {
    List<String> messages = violations.stream().map(CrdValidator.Violation::apiMessage).toList();
    String joined =
        messages.size() == 1 ? messages.get(0) : "[" + String.join(", ", messages) + "]";
    List<Map<String, Object>> causes = new ArrayList<>();
    for (CrdValidator.Violation v : violations) {
      String full = v.apiMessage();
      String prefix = (v.field().isEmpty() ? "<nil>" : v.field()) + ": ";
      Map<String, Object> cause = new LinkedHashMap<>();
      cause.put("reason", v.reason());
      cause.put("message", full.startsWith(prefix) ? full.substring(prefix.length()) : full);
      cause.put("field", v.field());
      causes.add(cause);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("name", name);
    details.put("group", "daxtier.io");
    details.put("kind", kind);
    details.put("causes", causes);
    return status(
        422, "Invalid", kind + ".daxtier.io \"" + name + "\" is invalid: " + joined, details);
  }

  private static MockResponse strictDecodingError(
      String kind, List<CrdValidator.Violation> unknown) {
    List<String> fields = unknown.stream().map(v -> "unknown field \"" + v.field() + "\"").toList();
    return status(
        400,
        "BadRequest",
        kind
            + " in version \"v1alpha1\" cannot be handled as a "
            + kind
            + ": strict decoding error: "
            + String.join(", ", fields),
        null);
  }

  static MockResponse status(int code, String reason, String message, Map<String, Object> details) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.put("metadata", Map.of());
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    if (details != null) {
      status.put("details", details);
    }
    status.put("code", code);
    try {
      return new MockResponse()
          .setResponseCode(code)
          .setHeader("Content-Type", "application/json")
          .setBody(JSON.writeValueAsString(status));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String param(String query, String key) {
    if (query == null) {
      return null;
    }
    for (String p : query.split("&")) {
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).equals(key)) {
        return URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
