package io.daxtier.agent.run;

import io.daxtier.agent.poison.PoisonEvent;
import io.daxtier.api.v1alpha1.PmemNodeStatus;

/** Where observed state goes: a JSON file or the PmemNode status subresource. */
public interface StatusSink {

  void write(PmemNodeStatus status) throws Exception;

  /** A noteworthy event (poison, policy block); cluster mode makes it a Kubernetes Event. */
  default void event(String reason, String message, boolean warning) {}

  /** Convenience for poison events. */
  default void poison(PoisonEvent e) {
    event("Poison" + e.action(), e.device() + " " + e.range() + ": " + e.result(), true);
  }
}
