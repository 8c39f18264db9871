package io.daxtier.operator.cluster;

import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the DeviceClasses of DRA pools (resource.k8s.io/v1): create, optimistic update carrying
 * the cached resourceVersion, delete. Like {@link PmemNodeWriter}, a 409 is not retried here: the
 * caller looks again from a fresher view. Every write passes the {@link WriteMeter}.
 */
public final class DeviceClassWriter {
  /** The API group and version of DeviceClass. */
  public static final String GROUP_VERSION = "resource.k8s.io/v1";

  private static final Logger LOG = LoggerFactory.getLogger(DeviceClassWriter.class);
  private final KubernetesClient client;
  private final WriteMeter writes;

  public DeviceClassWriter(KubernetesClient client, WriteMeter writes) {
    this.client = client;
    this.writes = writes;
  }

  /**
   * Whether the API server serves {@code deviceclasses} in resource.k8s.io/v1 (Kubernetes 1.34 or
   * later), by discovery. Any failure to tell counts as no.
   */
  public static boolean served(KubernetesClient client) {
    try {
      APIResourceList list = client.getApiResources(GROUP_VERSION);
      return list != null
          && list.getResources() != null
          && list.getResources().stream().anyMatch(r -> "deviceclasses".equals(r.getName()));
    } catch (KubernetesClientException e) {
      LOG.info("discovery of {} failed: {}", GROUP_VERSION, e.getMessage());
      return false;
    }
  }

  /** The DeviceClass named {@code name} as the API server has it (a read, for a 409). */
  public Optional<DeviceClass> read(String name) {
    return Optional.ofNullable(client.resources(DeviceClass.class).withName(name).get());
  }

  /** Creates {@code desired}; returns it as stored, or empty when the name exists already. */
  public Optional<DeviceClass> create(DeviceClass desired) {
    try {
      writes.record("DeviceClass", "create");
      return Optional.of(client.resource(desired).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return Optional.empty();
    }
  }

  /**
   * Replaces spec, our labels and the owner references of {@code current} (its resourceVersion is
   * the precondition) with {@code desired}'s; other labels and annotations stay. Returns the stored
   * result, or empty on a conflict or when it is gone (look again).
   */
  public Optional<DeviceClass> update(DeviceClass current, DeviceClass desired) {
    Map<String, String> labels =
        current.getMetadata().getLabels() == null
            ? new HashMap<>()
            : new HashMap<>(current.getMetadata().getLabels());
    labels.putAll(desired.getMetadata().getLabels());
    DeviceClass next = new DeviceClass();
    next.setApiVersion(current.getApiVersion());
    next.setKind(current.getKind());
    next.setMetadata(
        new ObjectMetaBuilder(current.getMetadata())
            .withLabels(labels)
            .withOwnerReferences(desired.getMetadata().getOwnerReferences())
            .build());
    next.setSpec(desired.getSpec());
    try {
      writes.record("DeviceClass", "update");
      return Optional.of(client.resource(next).update());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
          && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      return Optional.empty();
    }
  }

  /** Deletes {@code current}; already gone is fine. */
  public void delete(DeviceClass current) {
    writes.record("DeviceClass", "delete");
    try {
      client.resources(DeviceClass.class).withName(current.getMetadata().getName()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND
          && e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }
}
