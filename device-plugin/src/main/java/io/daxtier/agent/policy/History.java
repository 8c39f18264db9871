package io.daxtier.agent.policy;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the agent remembers between passes that sysfs does not say: when each bus last finished an
 * ARS, refused offlines backing off, devices erased, bad blocks already acted on, poison results.
 */
public record History(
    Map<String, Instant> lastScrub,
    Map<String, Retry> retries,
    Set<String> erased,
    Map<String, Set<BadBlock>> knownBadBlocks,
    Map<String, List<AddressRange>> unhealthy,
    Map<String, Long> retiredPages) {

  /** A refused operation and when to try again. */
  public record Retry(String reason, String message, int attempts, Instant notBefore) {}

  public History {
    lastScrub = Map.copyOf(lastScrub);
    retries = Map.copyOf(retries);
    erased = Set.copyOf(erased);
    knownBadBlocks = Map.copyOf(knownBadBlocks);
    unhealthy = Map.copyOf(unhealthy);
    retiredPages = Map.copyOf(retiredPages);
  }

  public static History empty() {
    return new History(Map.of(), Map.of(), Set.of(), Map.of(), Map.of(), Map.of());
  }

  public History withScrub(String bus, Instant at) {
    Map<String, Instant> m = new HashMap<>(lastScrub);
    m.put(bus, at);
    return new History(m, retries, erased, knownBadBlocks, unhealthy, retiredPages);
  }

  public History withRetry(String device, Retry retry) {
    Map<String, Retry> m = new HashMap<>(retries);
    if (retry == null) {
      m.remove(device);
    } else {
      m.put(device, retry);
    }
    return new History(lastScrub, m, erased, knownBadBlocks, unhealthy, retiredPages);
  }

  public History withErased(String device) {
    Set<String> s = new HashSet<>(erased);
    s.add(device);
    return new History(lastScrub, retries, s, knownBadBlocks, unhealthy, retiredPages);
  }

  public History withKnownBadBlocks(String region, Set<BadBlock> blocks) {
    Map<String, Set<BadBlock>> m = new HashMap<>(knownBadBlocks);
    m.put(region, Set.copyOf(blocks));
    return new History(lastScrub, retries, erased, m, unhealthy, retiredPages);
  }

  public History withPoison(String device, List<AddressRange> bad, long retired) {
    Map<String, List<AddressRange>> u = new HashMap<>(unhealthy);
    u.put(device, List.copyOf(bad));
    Map<String, Long> r = new HashMap<>(retiredPages);
    r.put(device, retired);
    return new History(lastScrub, retries, erased, knownBadBlocks, u, r);
  }
}
