package io.daxtier.operator.cluster;

import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on a PmemPool. Pools are cluster-scoped, so, like client-go's recorder,
 * the events go to a configurable namespace (default {@code default}) where {@code kubectl describe
 * pmempool} finds them. Events are best-effort: a failure is logged, never thrown (but an Event the
 * leadership fence refuses throws {@link NotLeader}, like every other write).
 */
public final class PoolEvents {
  private static final Logger LOG = LoggerFactory.getLogger(PoolEvents.class);
  private static final String COMPONENT = "daxtier-operator";
  private final KubernetesClient client;
  private final WriteMeter writes;
  private final String namespace;
  private final Clock clock;

  public PoolEvents(KubernetesClient client, WriteMeter writes, String namespace, Clock clock) {
    this.client = client;
    this.writes = writes;
    this.namespace = namespace;
    this.clock = clock;
  }

  /** A Normal event. */
  public void normal(PmemPool pool, String reason, String message) {
    emit(pool, "Normal", reason, message);
  }

  /** A Warning event. */
  public void warning(PmemPool pool, String reason, String message) {
    emit(pool, "Warning", reason, message);
  }

  private void emit(PmemPool pool, String type, String reason, String message) {
    String now = clock.instant().toString();
    String name =
        pool.getMetadata().getName()
            + "."
            + UUID.randomUUID()
                .toString()
                .replace("-", "")
                .substring(0, 16)
                .toLowerCase(Locale.ROOT);
    try {
      writes.record("Event", "create");
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(namespace)
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(pool.getApiVersion())
                          .withKind(pool.getKind())
                          .withName(pool.getMetadata().getName())
                          .withUid(pool.getMetadata().getUid())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent(COMPONENT)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "could not record event {} on pool {}: {}",
          reason,
          pool.getMetadata().getName(),
          e.getMessage());
    }
  }
}
