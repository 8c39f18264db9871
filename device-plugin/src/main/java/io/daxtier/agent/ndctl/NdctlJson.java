package io.daxtier.agent.ndctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parses ndctl's JSON, which is an object for one result and an array for several. */
public final class NdctlJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private NdctlJson() {}

  static List<JsonNode> items(String text) {
    List<JsonNode> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    try {
      JsonNode n = JSON.readTree(text);
      if (n == null) {
        return out;
      }
      if (n.isArray()) {
        n.forEach(out::add);
      } else if (n.isObject()) {
        out.add(n);
      }
    } catch (java.io.IOException e) {
      return out;
    }
    return out;
  }

  /**
   * The namespace ({@code dev}) whose char device is the given dax device, from {@code list -N}.
   */
  public static Optional<String> namespaceOf(String listOutput, String daxDevice) {
    for (JsonNode ns : items(listOutput)) {
      if (daxDevice.equals(chardev(ns).orElse(null))) {
        return Optional.ofNullable(ns.path("dev").asText(null));
      }
    }
    return Optional.empty();
  }

  /** The dax device a {@code create-namespace} created. */
  public static Optional<String> createdDevice(String output) {
    for (JsonNode ns : items(output)) {
      Optional<String> c = chardev(ns);
      if (c.isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  /** Whether {@code start-scrub}/{@code wait-scrub} reported the bus. */
  public static boolean reportsBus(String output, String bus) {
    return items(output).stream().anyMatch(b -> bus.equals(b.path("dev").asText(null)));
  }

  private static Optional<String> chardev(JsonNode ns) {
    if (ns.hasNonNull("chardev")) {
      return Optional.of(ns.get("chardev").asText());
    }
    for (JsonNode d : ns.path("daxregion").path("devices")) {
      if (d.hasNonNull("chardev")) {
        return Optional.of(d.get("chardev").asText());
      }
    }
    return Optional.empty();
  }
}
