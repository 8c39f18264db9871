package io.daxtier.agent.dra;

import io.daxtier.api.v1alpha1.PoolMode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The claims prepared on this node and what each consumes: SystemRam bytes per device, DevDax
 * devices held whole. Not thread-safe; the preparer serializes access.
 */
final class ClaimLedger {
  private final Map<String, PreparedClaim> byUid = new LinkedHashMap<>();

  ClaimLedger() {}

  ClaimLedger(Collection<PreparedClaim> claims) {
    claims.forEach(this::put);
  }

  Optional<PreparedClaim> get(String uid) {
    return Optional.ofNullable(byUid.get(uid));
  }

  void put(PreparedClaim claim) {
    byUid.put(claim.claim().uid(), claim);
  }

  Optional<PreparedClaim> remove(String uid) {
    return Optional.ofNullable(byUid.remove(uid));
  }

  Collection<PreparedClaim> claims() {
    return byUid.values();
  }

  /** SystemRam bytes the prepared claims other than {@code exceptUid} consume on a device. */
  long consumedBytes(String device, String exceptUid) {
    long sum = 0;
    for (PreparedClaim c : byUid.values()) {
      if (c.claim().uid().equals(exceptUid)) {
        continue;
      }
      for (PreparedDevice d : c.devices()) {
        if (d.device().equals(device) && d.mode() == PoolMode.SystemRam) {
          sum += d.bytes();
        }
      }
    }
    return sum;
  }

  /** The prepared claim other than {@code exceptUid} holding a DevDax device, if any. */
  Optional<ClaimRef> holder(String device, String exceptUid) {
    for (PreparedClaim c : byUid.values()) {
      if (c.claim().uid().equals(exceptUid)) {
        continue;
      }
      for (PreparedDevice d : c.devices()) {
        if (d.device().equals(device) && d.mode() == PoolMode.DevDax) {
          return Optional.of(c.claim());
        }
      }
    }
    return Optional.empty();
  }
}
