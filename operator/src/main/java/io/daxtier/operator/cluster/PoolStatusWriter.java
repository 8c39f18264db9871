package io.daxtier.operator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a pool's status with a JSON merge patch on the status subresource, and only when it
 * differs from what the cache holds, so a reconcile with nothing new makes no write.
 */
public final class PoolStatusWriter {
  private static final Logger LOG = LoggerFactory.getLogger(PoolStatusWriter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final WriteMeter writes;

  public PoolStatusWriter(KubernetesClient client, WriteMeter writes) {
    this.client = client;
    this.writes = writes;
  }

  /** Whether two statuses are the same as JSON (the form the API server stores). */
  public static boolean same(PmemPoolStatus a, PmemPoolStatus b) {
    return Objects.equals(JSON.valueToTree(a), JSON.valueToTree(b));
  }

  /**
   * Admits (and counts) the finalizer removal JOSDK sends when cleanup returns {@code
   * defaultDelete}: that write is JOSDK's, so the leadership fence is asked here, just before.
   *
   * @throws NotLeader when this instance may not write any more
   */
  public void admitFinalizerRemoval(PmemPool pool) {
    writes.record("PmemPool", "remove-finalizer");
  }

  /** Patches {@code desired} onto {@code pool} unless the pool already has it; true if it wrote. */
  public boolean write(PmemPool pool, PmemPoolStatus desired) {
    if (pool.getStatus() != null && same(pool.getStatus(), desired)) {
      return false;
    }
    String body;
    try {
      body =
          JSON.writeValueAsString(
              List.of(Map.of("op", "add", "path", "/status", "value", desired)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "pool {} status changes from {} to {}",
          pool.getMetadata().getName(),
          JSON.valueToTree(pool.getStatus()),
          body);
    }
    writes.record("PmemPool", "patch-status");
    client
        .resources(PmemPool.class)
        .withName(pool.getMetadata().getName())
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), body);
    return true;
  }
}
