package io.daxtier.agent.executor;

import java.util.List;

/** The outcome of one device's plan, and what was noticed on the way. */
public record DeviceOutcome(String device, String pool, Outcome outcome, List<String> notes) {
  public DeviceOutcome {
    notes = List.copyOf(notes);
  }
}
