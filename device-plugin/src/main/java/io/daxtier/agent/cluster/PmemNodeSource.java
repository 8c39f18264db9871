package io.daxtier.agent.cluster;

import io.daxtier.agent.run.DesiredState;
import io.daxtier.agent.run.DesiredStateSource;
import io.daxtier.api.v1alpha1.PmemNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Cluster mode: a Fabric8 informer on this node's own PmemNode (a field selector on its name). Only
 * spec changes (a new generation) trigger a pass, so the agent's own status writes do not loop.
 */
public final class PmemNodeSource implements DesiredStateSource {
  private final String nodeName;
  private final SharedIndexInformer<PmemNode> informer;
  private final CopyOnWriteArrayList<Runnable> callbacks = new CopyOnWriteArrayList<>();

  public PmemNodeSource(KubernetesClient client, String nodeName) {
    this.nodeName = nodeName;
    this.informer =
        client
            .resources(PmemNode.class)
            .withName(nodeName)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(PmemNode obj) {
                    fire();
                  }

                  @Override
                  public void onUpdate(PmemNode oldObj, PmemNode newObj) {
                    if (!Objects.equals(
                        oldObj.getMetadata().getGeneration(),
                        newObj.getMetadata().getGeneration())) {
                      fire();
                    }
                  }

                  @Override
                  public void onDelete(PmemNode obj, boolean deletedFinalStateUnknown) {
                    fire();
                  }
                },
                0);
  }

  private void fire() {
    callbacks.forEach(Runnable::run);
  }

  @Override
  public Optional<DesiredState> current() {
    return informer.getStore().list().stream()
        .filter(n -> nodeName.equals(n.getMetadata().getName()))
        .findFirst()
        .map(
            n ->
                new DesiredState(
                    n.getSpec() == null ? java.util.List.of() : n.getSpec().pools,
                    n.getMetadata().getGeneration()));
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
