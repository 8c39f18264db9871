package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.api.v1alpha1.PmemPool;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Watches from a resource version the front no longer keeps end as on a real API server: one {@code
 * ERROR} event with a 410 {@code Expired} Status, on which Fabric8 (and client-go) list again; a
 * watch from a kept version replays what followed it. A front with a five-change history over the
 * embedded API's mock makes the history run out on demand.
 */
class StaleWatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POOLS = "/apis/daxtier.io/v1alpha1/pmempools";

  EmbeddedApiServer api;
  WatchHub hub;
  KubectlFront front;
  KubernetesClient client;

  @BeforeEach
  void start() throws Exception {
    api = EmbeddedApiServer.start(0);
    hub = new WatchHub(5);
    front = new KubectlFront(0, api.clientUrl(), hub, (plural, object) -> null);
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(front.url())
                    .withWatchReconnectInterval(200)
                    .build())
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    front.close();
    api.close();
  }

  /** Ten changes of pools p1..p10 at versions 101..110: 101..105 are dropped, 106..110 kept. */
  private void tenChanges() {
    for (int i = 1; i <= 10; i++) {
      hub.changed(true, WatchHubTest.pool("p" + i, 100 + i));
    }
  }

  @Test
  void aRawWatchFromADroppedVersionGets410Expired() throws Exception {
    tenChanges();
    List<Map<String, Object>> events = watch(102);
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).containsEntry("type", "ERROR");
    @SuppressWarnings("unchecked")
    Map<String, Object> status = (Map<String, Object>) events.get(0).get("object");
    assertThat(status)
        .containsEntry("kind", "Status")
        .containsEntry("status", "Failure")
        .containsEntry("reason", "Expired")
        .containsEntry("code", 410)
        .containsEntry("message", "too old resource version: 102 (105)");
  }

  @Test
  void aRawWatchFromAKeptVersionReplaysWhatFollowed() throws Exception {
    tenChanges();
    List<Map<String, Object>> events = watch(107);
    assertThat(events)
        .extracting(
            e -> (Object) ((Map<?, ?>) ((Map<?, ?>) e.get("object")).get("metadata")).get("name"))
        .containsExactly("p8", "p9", "p10");
  }

  @Test
  void aFabric8WatchFromADroppedVersionClosesAsGone() throws Exception {
    tenChanges();
    CompletableFuture<WatcherException> closed = new CompletableFuture<>();
    try (Watch w =
        client
            .resources(PmemPool.class)
            .withResourceVersion("102")
            .watch(
                new Watcher<PmemPool>() {
                  @Override
                  public void eventReceived(Action action, PmemPool resource) {}

                  @Override
                  public void onClose(WatcherException cause) {
                    closed.complete(cause);
                  }
                })) {
      WatcherException cause = closed.get(20, TimeUnit.SECONDS);
      assertThat(cause.isHttpGone()).as(cause.toString()).isTrue();
    }
  }

  @Test
  void anInformerWhoseWatchExpiredListsAgainAndConverges() {
    // the front's history has moved past every version the mock's list can return: each watch
    // the informer opens after its list expires, so only its lists can show it new pools
    for (int i = 1; i <= 10; i++) {
      hub.changed(true, WatchHubTest.pool("p" + i, 1_000_000 + i));
    }
    PmemPool first = new PmemPool();
    first.getMetadata().setName("first");
    api.client().resource(first).create();
    SharedIndexInformer<PmemPool> informer = client.resources(PmemPool.class).inform();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> informer.getStore().getByKey("first") != null);
      PmemPool later = new PmemPool();
      later.getMetadata().setName("later");
      api.client().resource(later).create();
      await()
          .alias("a relist after the 410 brings the pool created since")
          .atMost(Duration.ofSeconds(20))
          .until(() -> informer.getStore().getByKey("later") != null);
    } finally {
      informer.close();
    }
  }

  private List<Map<String, Object>> watch(long fromRv) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            front.url()
                                + POOLS
                                + "?watch=true&timeoutSeconds=1&resourceVersion="
                                + fromRv))
                    .build(),
                HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    return response
        .body()
        .filter(l -> !l.isBlank())
        .map(
            l -> {
              try {
                return JSON.readValue(l, new TypeReference<Map<String, Object>>() {});
              } catch (Exception e) {
                throw new IllegalStateException(l, e);
              }
            })
        .toList();
  }
}
