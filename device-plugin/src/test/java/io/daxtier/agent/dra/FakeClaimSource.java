package io.daxtier.agent.dra;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The API server's ResourceClaims as the scheduler allocated them; counts the reads. */
final class FakeClaimSource implements ClaimSource {
  private final Map<String, List<AllocatedDevice>> allocations = new ConcurrentHashMap<>();
  private final AtomicInteger reads = new AtomicInteger();

  /** Allocates {@code claim}: what the scheduler writes into status.allocation. */
  FakeClaimSource allocate(ClaimRef claim, AllocatedDevice... results) {
    allocations.put(claim.uid(), List.of(results));
    return this;
  }

  int reads() {
    return reads.get();
  }

  @Override
  public List<AllocatedDevice> allocation(ClaimRef claim) throws Unavailable {
    reads.incrementAndGet();
    List<AllocatedDevice> a = allocations.get(claim.uid());
    if (a == null) {
      throw new Unavailable("ResourceClaim " + claim + " not found");
    }
    return a;
  }

  /** A result of this driver in {@code node}'s pool. */
  static AllocatedDevice ours(String node, String request, String device, Long bytes) {
    return new AllocatedDevice(request, DraNames.DRIVER, node, device, bytes, null);
  }
}
