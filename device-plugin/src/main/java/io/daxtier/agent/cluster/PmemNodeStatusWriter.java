package io.daxtier.agent.cluster;

import io.daxtier.agent.run.StatusSink;
import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the agent's status through the PmemNode status subresource as a JSON merge patch (no
 * server-side apply: one writer per field makes it unnecessary, and the mock API server lacks it).
 */
public final class PmemNodeStatusWriter implements StatusSink {
  private static final Logger LOG = LoggerFactory.getLogger(PmemNodeStatusWriter.class);
  private final KubernetesClient client;
  private final String nodeName;
  private final String eventNamespace;
  private final Clock clock;

  public PmemNodeStatusWriter(
      KubernetesClient client, String nodeName, String eventNamespace, Clock clock) {
    this.client = client;
    this.nodeName = nodeName;
    this.eventNamespace = eventNamespace;
    this.clock = clock;
  }

  @Override
  public void write(PmemNodeStatus status) {
    PmemNode patch = new PmemNode();
    patch.setMetadata(new ObjectMetaBuilder().withName(nodeName).build());
    patch.setStatus(status);
    client.resource(patch).patchStatus();
  }

  @Override
  public void event(String reason, String message, boolean warning) {
    try {
      PmemNode node = client.resources(PmemNode.class).withName(nodeName).get();
      String now = clock.instant().toString();
      client
          .v1()
          .events()
          .inNamespace(eventNamespace)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withGenerateName(nodeName + "-")
                  .withNamespace(eventNamespace)
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion(Api.API_VERSION)
                  .withKind("PmemNode")
                  .withName(nodeName)
                  .withUid(node == null ? null : node.getMetadata().getUid())
                  .endInvolvedObject()
                  .withReason(reason)
                  .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                  .withType(warning ? "Warning" : "Normal")
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent("daxtier-agent")
                  .withHost(nodeName)
                  .endSource()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn("event {} not recorded: {}", reason, e.getMessage());
    }
  }
}
