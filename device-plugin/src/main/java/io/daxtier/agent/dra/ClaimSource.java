package io.daxtier.agent.dra;

import java.util.List;

/** Reads what the scheduler allocated to a ResourceClaim (the API server, or a fake in tests). */
public interface ClaimSource {
  /**
   * The claim's allocated device results, of every driver.
   *
   * @throws Unavailable when the claim cannot be read, is gone, has another uid (deleted and
   *     recreated under the same name) or is not allocated
   */
  List<AllocatedDevice> allocation(ClaimRef claim) throws Unavailable;

  /** Why a claim's allocation cannot be read; the message is reported to the kubelet. */
  final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message) {
      super(message);
    }

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
