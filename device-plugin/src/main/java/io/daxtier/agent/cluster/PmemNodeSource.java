package io.daxtier.agent.cluster;

import io.daxtier.agent.record.DesiredStateCache;
import io.daxtier.agent.run.DesiredState;
import io.daxtier.agent.run.DesiredStateSource;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: a Fabric8 informer on this node's own PmemNode (a field selector on its name). Only
 * spec changes (a new generation) trigger a pass, so the agent's own status writes do not loop.
 *
 * <p>The informer is started without waiting for the API server and keeps retrying in the
 * background, so the agent starts and runs while the API server is unreachable. Until the informer
 * has listed once, the desired state is the one cached on the node ({@link DesiredStateCache}), if
 * any; every spec seen from the API server is cached, and a PmemNode the API server no longer has
 * clears the cache.
 */
public final class PmemNodeSource implements DesiredStateSource {
  private static final Logger LOG = LoggerFactory.getLogger(PmemNodeSource.class);
  private final String nodeName;
  private final DesiredStateCache cache;
  private final Optional<DesiredState> cached;
  private final SharedIndexInformer<PmemNode> informer;
  private final CompletionStage<Void> started;
  private final CopyOnWriteArrayList<Runnable> callbacks = new CopyOnWriteArrayList<>();

  public PmemNodeSource(KubernetesClient client, String nodeName) {
    this(client, nodeName, null);
  }

  /** With {@code cache} (may be null): the last spec seen is kept there and used until synced. */
  public PmemNodeSource(KubernetesClient client, String nodeName, DesiredStateCache cache) {
    this.nodeName = nodeName;
    this.cache = cache;
    this.cached = cache == null ? Optional.empty() : cache.load();
    cached.ifPresent(
        c ->
            LOG.info(
                "cached desired state (generation {}, {} pools) used until the API server answers",
                c.generation(),
                c.pools().size()));
    this.informer = client.resources(PmemNode.class).withName(nodeName).runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(PmemNode obj) {
            fire();
          }

          @Override
          public void onUpdate(PmemNode oldObj, PmemNode newObj) {
            if (!Objects.equals(
                oldObj.getMetadata().getGeneration(), newObj.getMetadata().getGeneration())) {
              fire();
            }
          }

          @Override
          public void onDelete(PmemNode obj, boolean deletedFinalStateUnknown) {
            fire();
          }
        });
    // Keep listing and watching whatever fails, before and after the first list: the API server
    // being away is an outage to ride out, not a reason to stop.
    informer.exceptionHandler(
        (started, t) -> {
          LOG.warn("PmemNode watch: {} (retrying)", t.toString());
          return true;
        });
    this.started = informer.start();
    started.whenComplete(
        (ok, t) -> {
          if (t == null) {
            fire(); // the first list: a pass with the API server's view
          }
        });
  }

  private void fire() {
    callbacks.forEach(Runnable::run);
  }

  @Override
  public Optional<DesiredState> current() {
    if (!informer.hasSynced()) {
      return cached;
    }
    Optional<DesiredState> now =
        informer.getStore().list().stream()
            .filter(n -> nodeName.equals(n.getMetadata().getName()))
            .findFirst()
            .map(
                n ->
                    new DesiredState(
                        n.getSpec() == null ? List.of() : n.getSpec().pools,
                        n.getMetadata().getGeneration()));
    if (cache != null) {
      now.ifPresentOrElse(cache::save, cache::clear);
    }
    return now;
  }

  /** The PmemNode as the informer last saw it; empty before the first list or without one. */
  public Optional<PmemNode> stored() {
    if (!informer.hasSynced()) {
      return Optional.empty();
    }
    return informer.getStore().list().stream()
        .filter(n -> nodeName.equals(n.getMetadata().getName()))
        .findFirst();
  }

  @Override
  public Optional<PmemNodeStatus> lastReported() {
    return stored().map(PmemNode::getStatus);
  }

  @Override
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    try {
      started.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return informer.hasSynced();
    }
  }

  /** Whether the watch on the PmemNode is established (false while the API server is away). */
  public boolean watching() {
    return informer.isWatching();
  }

  @Override
  public void onChange(Runnable callback) {
    callbacks.add(callback);
  }

  @Override
  public void close() {
    informer.close();
  }
}
