package io.daxtier.operator.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the pods on a node that hold an extended resource and evicts them through the Eviction API
 * (policy/v1), so PodDisruptionBudgets are respected: a 429 means a budget forbids it for now.
 *
 * <p>Evictions go through a client that does not retry: Fabric8 retries a 429 with exponential
 * backoff by default, which would stall a reconcile for many seconds on a budget that says no.
 *
 * <p>Pods are listed cluster-wide and filtered on {@code spec.nodeName} in code, because the mock
 * API server we test on ignores field selectors other than metadata.name; drains are rare, so the
 * cost is paid only while one runs.
 */
public final class PodEvictor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodEvictor.class);
  private final KubernetesClient client;
  private final KubernetesClient noRetry;
  private final WriteMeter writes;

  public PodEvictor(KubernetesClient client, WriteMeter writes) {
    this.client = client;
    this.noRetry =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
    this.writes = writes;
  }

  @Override
  public void close() {
    noRetry.close();
  }

  /** What one eviction pass achieved. */
  public record Outcome(int podsLeft, int evicted, int refusedByBudget) {}

  /** Pods on {@code node}, not finished, whose containers request or limit {@code resource}. */
  public List<Pod> podsUsing(String node, String resource) {
    return client.pods().inAnyNamespace().list().getItems().stream()
        .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
        .filter(p -> !finished(p))
        .filter(p -> requests(p, resource))
        .toList();
  }

  /** Asks the Eviction API to evict each pod holding {@code resource} on {@code node}. */
  public Outcome evictAll(String node, String resource) {
    List<Pod> pods = podsUsing(node, resource);
    int evicted = 0;
    int refused = 0;
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue; // already going
      }
      try {
        writes.record("Pod", "evict");
        boolean ok =
            noRetry
                .pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .evict();
        if (ok) {
          evicted++;
        } else {
          refused++;
        }
      } catch (KubernetesClientException e) {
        LOG.warn(
            "eviction of {}/{} failed: {}",
            pod.getMetadata().getNamespace(),
            pod.getMetadata().getName(),
            e.getMessage());
        refused++;
      }
    }
    return new Outcome(pods.size(), evicted, refused);
  }

  /**
   * Whether any container of {@code pod} requests or limits a positive amount of {@code resource}.
   */
  public static boolean requests(Pod pod, String resource) {
    Stream<Container> all =
        Stream.concat(
            pod.getSpec().getContainers() == null
                ? Stream.empty()
                : pod.getSpec().getContainers().stream(),
            pod.getSpec().getInitContainers() == null
                ? Stream.empty()
                : pod.getSpec().getInitContainers().stream());
    return all.map(Container::getResources)
        .filter(Objects::nonNull)
        .anyMatch(r -> positive(r, resource));
  }

  private static boolean positive(ResourceRequirements r, String resource) {
    return positive(r.getRequests(), resource) || positive(r.getLimits(), resource);
  }

  private static boolean positive(Map<String, Quantity> m, String resource) {
    if (m == null || !m.containsKey(resource)) {
      return false;
    }
    try {
      return Quantity.getAmountInBytes(m.get(resource)).signum() > 0;
    } catch (IllegalArgumentException e) {
      return true; // unreadable amount: assume the pod uses it
    }
  }

  private static boolean finished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }
}
