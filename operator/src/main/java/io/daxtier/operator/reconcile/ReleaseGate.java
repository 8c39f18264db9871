package io.daxtier.operator.reconcile;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Enforces {@code release.maxUnavailable}: at most that many nodes drain or release one pool at
 * once. The durable truth is the drain records on the PmemNodes (passed in, read from the cache);
 * the reservations here cover the moment between deciding and the record reaching the cache, when
 * two nodes reconciled in parallel could otherwise both start.
 */
final class ReleaseGate {
  private final Map<String, Set<String>> reserved = new HashMap<>();

  /** Whether {@code node} may release {@code pool} now; if so it holds a slot until released. */
  synchronized boolean tryAcquire(String pool, String node, int max, Set<String> releasingNow) {
    Set<String> mine = reserved.computeIfAbsent(pool, k -> new HashSet<>());
    Set<String> all = new HashSet<>(releasingNow);
    all.addAll(mine);
    if (all.contains(node)) {
      return true;
    }
    if (all.size() >= max) {
      return false;
    }
    mine.add(node);
    return true;
  }

  /** The nodes holding a reservation for {@code pool} (a copy). */
  synchronized Set<String> reserved(String pool) {
    return Set.copyOf(reserved.getOrDefault(pool, Set.of()));
  }

  /** Gives the slot of {@code node} for {@code pool} back. */
  synchronized void release(String pool, String node) {
    Set<String> mine = reserved.get(pool);
    if (mine != null) {
      mine.remove(node);
      if (mine.isEmpty()) {
        reserved.remove(pool);
      }
    }
  }
}
