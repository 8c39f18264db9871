package io.daxtier.operator.cluster;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.operator.plan.PodRef;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodResourceClaim;
import io.fabric8.kubernetes.api.model.PodResourceClaimStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
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

  /**
   * The unfinished pods on {@code node}, with the extended resources each holds and, for pods with
   * ResourceClaims, the DRA pools whose devices their claims were allocated ({@link
   * PodRef#draPool}): a DRA pool's memory is held through claims, not through an extended resource,
   * and a drain must see those pods too.
   */
  public List<PodRef> podsOn(String node) {
    List<Pod> pods =
        client.pods().inAnyNamespace().withField(NODE_NAME_FIELD, node).list().getItems().stream()
            .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
            .filter(p -> !finished(p))
            .toList();
    Map<String, String> devicePools = null;
    // a claim may be shared by several pods: each is read once per listing
    Map<String, Set<String>> claimPools = new HashMap<>();
    List<PodRef> out = new ArrayList<>();
    for (Pod p : pods) {
      PodRef ref = ref(p);
      List<String> claims = claimNames(p);
      if (!claims.isEmpty()) {
        if (devicePools == null) {
          devicePools = draDevicePools(node);
        }
        Set<String> held = new TreeSet<>(ref.resources());
        for (String claim : claims) {
          Map<String, String> pools = devicePools;
          String namespace = p.getMetadata().getNamespace();
          held.addAll(
              claimPools.computeIfAbsent(
                  namespace + "/" + claim, k -> draPools(namespace, claim, node, pools)));
        }
        ref = new PodRef(ref.namespace(), ref.name(), held, ref.terminating());
      }
      out.add(ref);
    }
    return out;
  }

  /** The names of the pod's ResourceClaims: named directly, or generated from a template. */
  static List<String> claimNames(Pod pod) {
    List<String> out = new ArrayList<>();
    if (pod.getSpec().getResourceClaims() != null) {
      for (PodResourceClaim c : pod.getSpec().getResourceClaims()) {
        if (c.getResourceClaimName() != null) {
          out.add(c.getResourceClaimName());
        }
      }
    }
    if (pod.getStatus() != null && pod.getStatus().getResourceClaimStatuses() != null) {
      for (PodResourceClaimStatus s : pod.getStatus().getResourceClaimStatuses()) {
        if (s.getResourceClaimName() != null && !out.contains(s.getResourceClaimName())) {
          out.add(s.getResourceClaimName());
        }
      }
    }
    return out;
  }

  /**
   * The daxtier pool of each of the node's DRA devices, from the agent's ResourceSlices (their
   * {@code pool} attribute); empty where the cluster serves no DRA.
   */
  private Map<String, String> draDevicePools(String node) {
    Map<String, String> out = new HashMap<>();
    try {
      for (ResourceSlice s :
          client
              .dynamicResourceAllocation()
              .v1()
              .resourcesSlices()
              .withField(NODE_NAME_FIELD, node)
              .list()
              .getItems()) {
        if (s.getSpec() == null
            || !node.equals(s.getSpec().getNodeName())
            || !Api.DRA_DRIVER.equals(s.getSpec().getDriver())
            || s.getSpec().getDevices() == null) {
          continue;
        }
        for (Device d : s.getSpec().getDevices()) {
          DeviceAttribute pool =
              d.getAttributes() == null ? null : d.getAttributes().get(Api.DRA_ATTR_POOL);
          if (pool != null && pool.getString() != null) {
            out.put(d.getName(), pool.getString());
          }
        }
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    return out;
  }

  /**
   * The DRA pools ({@code PodRef.draPool(name)}) a claim holds on {@code node}: its allocated
   * results of our driver in the node's pool. A claim that cannot be read, or a device whose pool
   * is not known, holds every DRA pool of the node: a drain must not miss a pod.
   */
  private Set<String> draPools(
      String namespace, String name, String node, Map<String, String> devicePools) {
    Set<String> every = new TreeSet<>();
    devicePools.values().forEach(p -> every.add(PodRef.draPool(p)));
    ResourceClaim claim;
    try {
      claim =
          client
              .dynamicResourceAllocation()
              .v1()
              .resourceClaims()
              .inNamespace(namespace)
              .withName(name)
              .get();
    } catch (KubernetesClientException e) {
      LOG.warn("claim {}/{} not readable ({}): held as every DRA pool", namespace, name, e);
      return every;
    }
    if (claim == null
        || claim.getStatus() == null
        || claim.getStatus().getAllocation() == null
        || claim.getStatus().getAllocation().getDevices() == null
        || claim.getStatus().getAllocation().getDevices().getResults() == null) {
      return Set.of();
    }
    Set<String> out = new TreeSet<>();
    for (DeviceRequestAllocationResult r :
        claim.getStatus().getAllocation().getDevices().getResults()) {
      if (Api.DRA_DRIVER.equals(r.getDriver()) && node.equals(r.getPool())) {
        String pool = devicePools.get(r.getDevice());
        out.addAll(pool != null ? Set.of(PodRef.draPool(pool)) : every);
      }
    }
    return out;
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
