package io.daxtier.operator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.HashMap;
import java.util.Map;

/**
 * Node writes, all JSON merge patches: cordon/uncordon (with the {@value #CORDONED_BY} annotation
 * that marks a cordon as ours, so a node someone else cordoned is never uncordoned) and the
 * pmem-ready label.
 */
public final class NodePatcher {
  /** Node annotation present while daxtier holds the node cordoned. */
  public static final String CORDONED_BY = "daxtier.io/cordoned";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final WriteMeter writes;

  public NodePatcher(KubernetesClient client, WriteMeter writes) {
    this.client = client;
    this.writes = writes;
  }

  /** Whether daxtier cordoned this node (and so may uncordon it). */
  public static boolean cordonedByUs(Node node) {
    Map<String, String> a = node.getMetadata().getAnnotations();
    return a != null && a.get(CORDONED_BY) != null;
  }

  /** Whether the node is unschedulable, by anyone. */
  public static boolean unschedulable(Node node) {
    return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
  }

  /** Cordons {@code node} and marks the cordon as ours; {@code why} is kept in the annotation. */
  public void cordon(String node, String why) {
    patch(
        node,
        Map.of(
            "spec",
            Map.of("unschedulable", true),
            "metadata",
            Map.of("annotations", Map.of(CORDONED_BY, why))));
  }

  /** Uncordons a node daxtier cordoned and removes the mark. */
  public void uncordon(String node) {
    Map<String, Object> spec = new HashMap<>();
    spec.put("unschedulable", null);
    Map<String, Object> ann = new HashMap<>();
    ann.put(CORDONED_BY, null);
    patch(node, Map.of("spec", spec, "metadata", Map.of("annotations", ann)));
  }

  /** Sets ({@code value} non-null) or removes ({@code null}) one label. */
  public void label(String node, String key, String value) {
    Map<String, Object> labels = new HashMap<>();
    labels.put(key, value);
    patch(node, Map.of("metadata", Map.of("labels", labels)));
  }

  private void patch(String node, Map<String, Object> body) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    writes.record("Node", "patch");
    client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }
}
