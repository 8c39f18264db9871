package io.daxtier.agent.policy;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import io.daxtier.api.ownership.Ownership;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the agent remembers between passes that sysfs does not say: when each bus last finished an
 * ARS, refused offlines backing off, erases per release, bad blocks already acted on, poison
 * results, DevDax devices in use, the pool holding each device. A pure value: the node record
 * (record package) makes it durable.
 */
public record History(
    Map<String, Instant> lastScrub,
    Map<String, Retry> retries,
    Map<String, Erase> erases,
    Map<String, Set<BadBlock>> knownBadBlocks,
    Map<String, List<AddressRange>> unhealthy,
    Map<String, Long> retiredPages,
    Map<String, String> serving,
    Map<String, Owner> owners,
    boolean cautious,
    Map<String, Scrub> scrubs) {

  /**
   * An ARS this agent started on a bus and has not yet seen finish: when it was started and the
   * bus's scrub count then ({@code nfit/scrub}, -1 when unreadable). A later pass sees it finished
   * once the count advanced and no scrub runs; the pass does not wait for it.
   */
  public record Scrub(Instant since, long count) {}

  /**
   * The pool holding a device: recorded when the device comes online (System RAM) or is served
   * (DevDax) for the pool, or enters the pool's release; forgotten when that release completes or
   * the pool is gone from the node. Another pool that comes to select a held device loses it
   * ({@link io.daxtier.api.ownership.Ownership}).
   */
  public record Owner(String pool, String uid, Ownership.Use use) {
    public Owner {
      Objects.requireNonNull(pool, "pool");
      Objects.requireNonNull(use, "use");
    }

    /** The holder in the ownership rule's terms. */
    public Ownership.Holder holder() {
      return Ownership.Holder.pool(pool, uid, use);
    }
  }

  /** A refused operation and when to try again. */
  public record Retry(Reason reason, String message, int attempts, Instant notBefore) {}

  /**
   * The erase of one release (a pool leaving the node with {@code release.action: Erase}): the
   * DIMMs to overwrite and the regions on them, recorded before the first region is disabled;
   * {@code issued} before each overwrite is asked for, {@code started} (and since when) once the
   * kernel took it (the DIMM's {@code security} reads {@code overwrite}), {@code completed} right
   * after it finished. An overwrite started and no longer running has finished, whoever looks: only
   * one issued and never seen started (an agent that died inside the ndctl call) runs again.
   */
  public record Erase(
      String pool,
      String uid,
      Long generation,
      List<String> dimms,
      List<String> regions,
      Set<String> issued,
      Map<String, Instant> started,
      Set<String> completed,
      Instant since) {
    public Erase {
      dimms = List.copyOf(dimms);
      regions = List.copyOf(regions);
      issued = Set.copyOf(issued);
      started = Map.copyOf(started);
      completed = Set.copyOf(completed);
    }

    /** A new erase: nothing issued yet. */
    public static Erase intent(
        String pool,
        String uid,
        Long generation,
        List<String> dimms,
        List<String> regions,
        Instant since) {
      return new Erase(pool, uid, generation, dimms, regions, Set.of(), Map.of(), Set.of(), since);
    }

    /** Whether every DIMM of the release has been overwritten. */
    public boolean done() {
      return completed.containsAll(dimms);
    }

    /** Whether these DIMMs were all overwritten for this release. */
    public boolean erased(List<String> some) {
      return !some.isEmpty() && completed.containsAll(some);
    }

    /** The same erase, widened to more DIMMs and regions (another device of the pool). */
    public Erase including(List<String> moreDimms, List<String> moreRegions) {
      return new Erase(
          pool,
          uid,
          generation,
          union(dimms, moreDimms),
          union(regions, moreRegions),
          issued,
          started,
          completed,
          since);
    }

    public Erase withIssued(String dimm) {
      Set<String> s = new LinkedHashSet<>(issued);
      s.add(dimm);
      return new Erase(pool, uid, generation, dimms, regions, s, started, completed, since);
    }

    /** The kernel took the DIMM's overwrite (seen running) at {@code at}. */
    public Erase withStarted(String dimm, Instant at) {
      Map<String, Instant> m = new java.util.TreeMap<>(started);
      m.put(dimm, at);
      return new Erase(pool, uid, generation, dimms, regions, issued, m, completed, since);
    }

    public Erase withCompleted(String dimm) {
      Set<String> s = new LinkedHashSet<>(completed);
      s.add(dimm);
      return new Erase(pool, uid, generation, dimms, regions, issued, started, s, since);
    }

    private static List<String> union(List<String> a, List<String> b) {
      Set<String> s = new LinkedHashSet<>(a);
      s.addAll(b);
      return new ArrayList<>(s);
    }
  }

  /** The key of a release's erase: the pool's name and uid (a re-created pool is a new one). */
  public static String releaseKey(String pool, String uid) {
    return pool + "/" + (uid == null ? "" : uid);
  }

  public History {
    lastScrub = Map.copyOf(lastScrub);
    retries = Map.copyOf(retries);
    erases = Map.copyOf(erases);
    knownBadBlocks = Map.copyOf(knownBadBlocks);
    unhealthy = Map.copyOf(unhealthy);
    retiredPages = Map.copyOf(retiredPages);
    serving = Map.copyOf(serving);
    owners = Map.copyOf(owners);
    scrubs = scrubs == null ? Map.of() : Map.copyOf(scrubs);
  }

  public static History empty() {
    return new History(
        Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), false,
        Map.of());
  }

  public History withScrub(String bus, Instant at) {
    Map<String, Instant> m = new HashMap<>(lastScrub);
    m.put(bus, at);
    Map<String, Scrub> running = new HashMap<>(scrubs);
    running.remove(bus);
    return new History(
        m,
        retries,
        erases,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        serving,
        owners,
        cautious,
        running);
  }

  /** Records an ARS started on a bus and not yet finished; null forgets it. */
  public History withScrubStarted(String bus, Scrub scrub) {
    Map<String, Scrub> m = with(scrubs, bus, scrub);
    return new History(
        lastScrub,
        retries,
        erases,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        serving,
        owners,
        cautious,
        m);
  }

  public History withRetry(String device, Retry retry) {
    Map<String, Retry> m = with(retries, device, retry);
    return new History(
        lastScrub,
        m,
        erases,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        serving,
        owners,
        cautious,
        scrubs);
  }

  /** Records (or replaces) a release's erase; null forgets it. */
  public History withErase(String key, Erase erase) {
    Map<String, Erase> m = with(erases, key, erase);
    return new History(
        lastScrub,
        retries,
        m,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        serving,
        owners,
        cautious,
        scrubs);
  }

  /** A DevDax device handed out to pods (advertised) for a pool; null: no longer served. */
  public History withServing(String device, String pool) {
    Map<String, String> m = with(serving, device, pool);
    return new History(
        lastScrub,
        retries,
        erases,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        m,
        owners,
        cautious,
        scrubs);
  }

  /** Records the pool holding a device; null forgets it. */
  public History withOwner(String device, Owner owner) {
    Map<String, Owner> m = with(owners, device, owner);
    return new History(
        lastScrub,
        retries,
        erases,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        serving,
        m,
        cautious,
        scrubs);
  }

  /**
   * A first start without a record on a node that was in use: nothing is cleared on a bus until
   * this agent's own ARS ran there; DevDax devices found are presumed in use.
   */
  public History asCautious() {
    return new History(
        lastScrub,
        retries,
        erases,
        knownBadBlocks,
        unhealthy,
        retiredPages,
        serving,
        owners,
        true,
        scrubs);
  }

  public History withKnownBadBlocks(String region, Set<BadBlock> blocks) {
    Map<String, Set<BadBlock>> m = new HashMap<>(knownBadBlocks);
    m.put(region, Set.copyOf(blocks));
    return new History(
        lastScrub, retries, erases, m, unhealthy, retiredPages, serving, owners, cautious, scrubs);
  }

  public History withPoison(String device, List<AddressRange> bad, long retired) {
    Map<String, List<AddressRange>> u = new HashMap<>(unhealthy);
    u.put(device, List.copyOf(bad));
    Map<String, Long> r = new HashMap<>(retiredPages);
    r.put(device, retired);
    return new History(
        lastScrub, retries, erases, knownBadBlocks, u, r, serving, owners, cautious, scrubs);
  }

  /** A copy of {@code map} with {@code key} set to {@code value}, or removed when it is null. */
  private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
    Map<String, V> m = new HashMap<>(map);
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return m;
  }
}
