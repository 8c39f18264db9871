package io.daxtier.agent.dra;

import java.util.List;

/**
 * The outcome of preparing or unpreparing one claim: the prepared devices, or an error for the
 * kubelet (which retries the claim later).
 */
public record ClaimResult(List<PreparedDevice> devices, String error) {
  public ClaimResult {
    devices = List.copyOf(devices);
  }

  static ClaimResult ok(List<PreparedDevice> devices) {
    return new ClaimResult(devices, null);
  }

  static ClaimResult failed(String error) {
    return new ClaimResult(List.of(), error);
  }

  public boolean failed() {
    return error != null;
  }
}
