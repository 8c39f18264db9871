package io.daxtier.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Field and label selectors evaluated on whole objects, as the API server does: {@code a.b=v},
 * {@code a.b==v}, {@code a.b!=v} for fields (a missing field is the empty string, so {@code
 * involvedObject.namespace=} matches a cluster-scoped object); {@code k=v}, {@code k!=v}, {@code k}
 * and {@code !k} for labels (set-based {@code in}/{@code notin} are not understood and match).
 */
final class Selectors {
  private Selectors() {}

  /** The value of the query parameter {@code key}, decoded, or null. */
  static String param(String path, String key) {
    int q = path.indexOf('?');
    return q < 0 ? null : Admission.param(path.substring(q + 1), key);
  }

  /** {@code path} without the parameter {@code key}. */
  static String without(String path, String key) {
    int q = path.indexOf('?');
    if (q < 0) {
      return path;
    }
    List<String> kept = new ArrayList<>();
    for (String p : path.substring(q + 1).split("&")) {
      if (!p.isEmpty() && !p.startsWith(key + "=")) {
        kept.add(p);
      }
    }
    return path.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  static boolean fields(String selector, Map<String, Object> object) {
    if (selector == null || selector.isBlank()) {
      return true;
    }
    for (String requirement : selector.split(",")) {
      boolean negated = requirement.contains("!=");
      String[] kv = requirement.split(negated ? "!=" : "==?", 2);
      if (kv.length != 2) {
        continue;
      }
      Object value = TableRenderer.at(object, "." + kv[0].trim());
      String actual = value == null ? "" : String.valueOf(value);
      if (actual.equals(kv[1].trim()) == negated) {
        return false;
      }
    }
    return true;
  }

  static boolean labels(String selector, Map<String, Object> object) {
    if (selector == null || selector.isBlank()) {
      return true;
    }
    Object l = TableRenderer.at(object, ".metadata.labels");
    Map<?, ?> labels = l instanceof Map<?, ?> m ? m : Map.of();
    for (String requirement : selector.split(",")) {
      String r = requirement.trim();
      if (r.contains(" in ") || r.contains(" notin ") || r.contains("(") || r.contains(")")) {
        continue;
      }
      if (r.contains("!=")) {
        String[] kv = r.split("!=", 2);
        if (kv[1].trim().equals(labels.get(kv[0].trim()))) {
          return false;
        }
      } else if (r.contains("=")) {
        String[] kv = r.split("==?", 2);
        if (!kv[1].trim().equals(labels.get(kv[0].trim()))) {
          return false;
        }
      } else if (r.startsWith("!")) {
        if (labels.containsKey(r.substring(1))) {
          return false;
        }
      } else if (!r.isEmpty() && !labels.containsKey(r)) {
        return false;
      }
    }
    return true;
  }

  static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
