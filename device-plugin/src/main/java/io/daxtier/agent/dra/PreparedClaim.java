package io.daxtier.agent.dra;

import java.util.List;

/** A claim the plugin prepared: what its CDI spec holds and what it consumes. */
public record PreparedClaim(ClaimRef claim, List<PreparedDevice> devices) {
  public PreparedClaim {
    devices = List.copyOf(devices);
  }
}
