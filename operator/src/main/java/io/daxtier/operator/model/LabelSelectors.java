package io.daxtier.operator.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Evaluates a Kubernetes label selector against a label map (empty selector = everything). */
public final class LabelSelectors {
  private LabelSelectors() {}

  /** Whether {@code labels} satisfy {@code selector}; an unknown operator matches nothing. */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(actual.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, actual)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The selector in kubectl's {@code -l} syntax ({@code a=b,c in (d,e),!f}), matchLabels sorted by
   * key; {@code ""} for an empty or absent selector.
   */
  public static String describe(LabelSelector selector) {
    if (selector == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> parts.add(k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String values =
            " (" + String.join(",", r.getValues() == null ? List.of() : r.getValues()) + ")";
        String op = r.getOperator() == null ? "" : r.getOperator();
        parts.add(
            switch (op) {
              case "In" -> r.getKey() + " in" + values;
              case "NotIn" -> r.getKey() + " notin" + values;
              case "Exists" -> r.getKey();
              case "DoesNotExist" -> "!" + r.getKey();
              default -> r.getKey() + " " + op + values;
            });
      }
    }
    return String.join(",", parts);
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    String op = r.getOperator() == null ? "" : r.getOperator();
    return switch (op) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false;
    };
  }
}
