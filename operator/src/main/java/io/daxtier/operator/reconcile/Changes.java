package io.daxtier.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.operator.cluster.NodePatcher;
import io.fabric8.kubernetes.api.model.Node;
import java.util.Map;
import java.util.Objects;

/**
 * Update filters: which changes of a watched object can change what the operator renders. Node
 * heartbeats and agent heartbeats are ignored, so a 5,000-node cluster does not re-render
 * continuously.
 */
final class Changes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Changes() {}

  /** Labels, schedulability or our cordon mark changed. */
  static boolean nodeRelevant(Node now, Node before) {
    return !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
        || NodePatcher.unschedulable(now) != NodePatcher.unschedulable(before)
        || NodePatcher.cordonedByUs(now) != NodePatcher.cordonedByUs(before)
        || !Objects.equals(now.getMetadata().getUid(), before.getMetadata().getUid());
  }

  /** Only labels matter to pool aggregation (selection). */
  static boolean nodeLabelsChanged(Node now, Node before) {
    return !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels());
  }

  /**
   * Spec (generation), deletion, finalizers or identity changed; a status write is not a change.
   */
  static boolean poolRendered(PmemPool now, PmemPool before) {
    return !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || now.isMarkedForDeletion() != before.isMarkedForDeletion()
        || !Objects.equals(now.getMetadata().getUid(), before.getMetadata().getUid());
  }

  /** Anything but the agent's heartbeat and platform facts. */
  static boolean pmemNodeRelevant(PmemNode now, PmemNode before) {
    if (!Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !Objects.equals(annotations(now), annotations(before))) {
      return true;
    }
    var a = now.getStatus();
    var b = before.getStatus();
    if (a == null || b == null) {
      return a != b;
    }
    return !Objects.equals(a.observedGeneration, b.observedGeneration)
        || !JSON.valueToTree(a.pools).equals(JSON.valueToTree(b.pools))
        || !JSON.valueToTree(a.devices).equals(JSON.valueToTree(b.devices));
  }

  private static Map<String, String> annotations(PmemNode pn) {
    return pn.getMetadata().getAnnotations() == null ? Map.of() : pn.getMetadata().getAnnotations();
  }
}
