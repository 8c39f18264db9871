package io.daxtier.operator.cluster;

import io.daxtier.operator.plan.PodRef;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the pods on one node and evicts them through the Eviction API (policy/v1), so
 * PodDisruptionBudgets are respected: a 429 means a budget forbids it for now.
 *
 * <p>Pods are listed per node with the field selector {@code spec.nodeName=<node>}, and only for a
 * node whose release needs them (a drain starting or running): the operator keeps no pod cache,
 * whose memory would grow with every pod in the cluster while drains are rare and touch a few nodes
 * at a time ({@code maxUnavailable}). The cost is one list per drain poll of a draining node.
 *
 * <p>Evictions go through a client that does not retry: Fabric8 retries a 429 with exponential
 * backoff by default, which would stall a reconcile for many seconds on a budget that says no.
 */
public final class PodEvictor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodEvictor.class);

  /** The field a pod is selected by its node with. */
  public static final String NODE_NAME_FIELD = "spec.nodeName";

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

  /** The unfinished pods on {@code node}, with the extended resources each holds. */
  public List<PodRef> podsOn(String node) {
    return client
        .pods()
        .inAnyNamespace()
        .withField(NODE_NAME_FIELD, node)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
        .filter(p -> !finished(p))
        .map(PodEvictor::ref)
        .toList();
  }

  /**
   * Asks the Eviction API to evict {@code pod}; false when a disruption budget (or any API error)
   * refused it for now.
   */
  public boolean evict(PodRef pod) {
    try {
      writes.record("Pod", "evict");
      return noRetry.pods().inNamespace(pod.namespace()).withName(pod.name()).evict();
    } catch (KubernetesClientException e) {
      LOG.warn("eviction of {}/{} failed: {}", pod.namespace(), pod.name(), e.getMessage());
      return false;
    }
  }

  /** {@code pod} as the planner sees it. */
  public static PodRef ref(Pod pod) {
    Set<String> held = new TreeSet<>();
    containers(pod)
        .map(Container::getResources)
        .filter(Objects::nonNull)
        .forEach(
            r -> {
              held.addAll(positiveKeys(r.getRequests()));
              held.addAll(positiveKeys(r.getLimits()));
            });
    return new PodRef(
        pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(),
        held,
        pod.getMetadata().getDeletionTimestamp() != null);
  }

  /**
   * Whether any container of {@code pod} requests or limits a positive amount of {@code resource}.
   */
  public static boolean requests(Pod pod, String resource) {
    return containers(pod)
        .map(Container::getResources)
        .filter(Objects::nonNull)
        .anyMatch(r -> positive(r, resource));
  }

  private static Stream<Container> containers(Pod pod) {
    return Stream.concat(
        pod.getSpec().getContainers() == null
            ? Stream.empty()
            : pod.getSpec().getContainers().stream(),
        pod.getSpec().getInitContainers() == null
            ? Stream.empty()
            : pod.getSpec().getInitContainers().stream());
  }

  private static Set<String> positiveKeys(Map<String, Quantity> m) {
    if (m == null) {
      return Set.of();
    }
    Set<String> out = new TreeSet<>();
    m.keySet()
        .forEach(
            k -> {
              if (positive(m, k)) {
                out.add(k);
              }
            });
    return out;
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
