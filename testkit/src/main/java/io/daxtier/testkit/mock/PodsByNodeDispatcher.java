package io.daxtier.testkit.mock;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fabric8's CRUD mock dispatcher, plus pod lists with the field selector {@code
 * spec.nodeName=<node>} answered as the API server does (the stock one answers them with no items:
 * it matches field requirements against stored keys, which carry only name, namespace and labels).
 * The operator lists a draining node's pods that way ({@link NodeNameFieldSelector}, which the
 * sandbox's embedded API uses too). Lists only: watches pass through unchanged.
 */
public final class PodsByNodeDispatcher extends KubernetesCrudDispatcher {
  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final MockDispatcher expected;

  private PodsByNodeDispatcher(Map<ServerRequest, Queue<ServerResponse>> expectations) {
    this.expectations = expectations;
    this.expected = new MockDispatcher(expectations);
  }

  /**
   * A started mock API server in CRUD mode with this dispatcher; like the stock mixed mode, a
   * request with a recorded expectation ({@code server.expect()}) gets that answer instead.
   */
  public static KubernetesMockServer startServer() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new ConcurrentHashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new PodsByNodeDispatcher(expectations),
            false);
    server.init();
    return server;
  }

  /**
   * Answers JOSDK's leader-election access review (a self-subject rules review) with full rights on
   * leases, as the chart's RBAC grants.
   */
  public static void allowLeases(KubernetesMockServer server) {
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewStatus()
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("*")
                .endResourceRule()
                .withIncomplete(false)
                .endStatus()
                .build())
        .always();
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> queue =
        expectations.get(new SimpleRequest(request.method(), request.getPath()));
    if (queue != null && !queue.isEmpty()) {
      return expected.dispatch(request);
    }
    return super.dispatch(request);
  }

  @Override
  public MockResponse handleGet(String path) {
    return NodeNameFieldSelector.get(path, super::handleGet);
  }
}
