package io.daxtier.operator.cluster;

import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeSpec;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes a PmemNode's spec and operator annotations: create (owned by its Node, so it is garbage
 * collected with it), or an optimistic update carrying the resourceVersion the spec was computed
 * from. On a 409 nothing is retried here: the spec was rendered from a view that is now stale, so
 * re-applying it could undo a newer write; the caller renders again from a fresh cache instead.
 * Status is never touched.
 */
public final class PmemNodeWriter {
  private final KubernetesClient client;
  private final WriteMeter writes;

  public PmemNodeWriter(KubernetesClient client, WriteMeter writes) {
    this.client = client;
    this.writes = writes;
  }

  /**
   * Creates the PmemNode of {@code node}; returns it as the server stored it, or null when it
   * already exists (render again).
   */
  public PmemNode create(Node node, PmemNodeSpec spec, Map<String, String> annotations) {
    PmemNode pn = new PmemNode();
    pn.setMetadata(
        new ObjectMetaBuilder()
            .withName(node.getMetadata().getName())
            .withAnnotations(annotations.isEmpty() ? null : new HashMap<>(annotations))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName(node.getMetadata().getName())
                    .withUid(node.getMetadata().getUid())
                    .build())
            .build());
    pn.setSpec(spec);
    pn.setStatus(null);
    try {
      writes.record("PmemNode", "create");
      return client.resource(pn).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return null;
    }
  }

  /**
   * Replaces spec and our annotations on {@code current} (as read from the cache, whose
   * resourceVersion is the precondition); returns the stored result, or null on a conflict (render
   * again).
   */
  public PmemNode update(PmemNode current, PmemNodeSpec spec, Map<String, String> annotations) {
    PmemNode next = new PmemNode();
    Map<String, String> merged =
        current.getMetadata().getAnnotations() == null
            ? new HashMap<>()
            : new HashMap<>(current.getMetadata().getAnnotations());
    annotations.forEach(
        (k, v) -> {
          if (v == null) {
            merged.remove(k);
          } else {
            merged.put(k, v);
          }
        });
    next.setMetadata(
        new ObjectMetaBuilder(current.getMetadata())
            .withAnnotations(merged.isEmpty() ? null : merged)
            .build());
    next.setSpec(spec);
    next.setStatus(current.getStatus());
    try {
      writes.record("PmemNode", "update");
      return client.resource(next).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT && e.getCode() != 404) {
        throw e;
      }
      return null;
    }
  }
}
