package io.daxtier.operator.reconcile;

import io.daxtier.api.v1alpha1.PmemPool;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Collection;
import java.util.Set;

/**
 * Triggers pool aggregations from the node renderer, which already watches every PmemNode: the pool
 * controller does not open a second PmemNode watch (at 5,000 nodes x 20 pools the mock API server
 * spends most of its time serializing watch events, so one watch instead of two matters).
 */
public final class PoolTrigger extends AbstractEventSource<Void, PmemPool> {
  public PoolTrigger() {
    super(Void.class, "pool-trigger");
  }

  /** Asks for an aggregation of each named pool (coalesced and rate-limited by JOSDK). */
  public void fire(Collection<String> pools) {
    if (!isRunning() || getEventHandler() == null) {
      return;
    }
    pools.forEach(p -> getEventHandler().handleEvent(new Event(new ResourceID(p))));
  }

  @Override
  public Set<Void> getSecondaryResources(PmemPool primary) {
    return Set.of();
  }
}
