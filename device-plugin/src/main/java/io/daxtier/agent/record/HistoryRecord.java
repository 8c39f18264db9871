package io.daxtier.agent.record;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.Reason;
import io.daxtier.api.ownership.Ownership;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node record's form of {@link History}: plain fields and ISO-8601 times, so the file reads the
 * same to any agent version and to a person.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class HistoryRecord {
  /** Last completed ARS per bus. */
  public Map<String, String> lastScrub = new TreeMap<>();

  /** Refused operations backing off, per device. */
  public Map<String, RetryRecord> retries = new TreeMap<>();

  /** Erase intent and per-DIMM progress, per release (pool name/uid). */
  public Map<String, EraseRecord> erases = new TreeMap<>();

  /** Bad blocks already acted on (or found at a first start), per region. */
  public Map<String, List<BadBlock>> knownBadBlocks = new TreeMap<>();

  /** Ranges marked unhealthy, per device. */
  public Map<String, List<AddressRange>> unhealthy = new TreeMap<>();

  /** Pages retired, per device. */
  public Map<String, Long> retiredPages = new TreeMap<>();

  /** DevDax devices handed out to pods, to the pool serving them. */
  public Map<String, String> serving = new TreeMap<>();

  /**
   * The pool holding each device (name, uid, what the device does for it). A record written before
   * the field existed reads as holding nothing: the kernel's view of devices in use then decides.
   */
  public Map<String, OwnerRecord> owners = new TreeMap<>();

  /**
   * ARS started by the agent and not yet seen finished, per bus: since when and the bus's scrub
   * count then. A record written before the field existed reads as none running.
   */
  public Map<String, ScrubRecord> scrubsInProgress = new TreeMap<>();

  /** Set by a first start on a node in use: nothing cleared on a bus before our own ARS. */
  public boolean cautious;

  /** An ARS in progress on one bus. */
  public record ScrubRecord(String since, long count) {}

  /** A refused operation. */
  public record RetryRecord(String reason, String message, int attempts, String notBefore) {}

  /** The pool holding one device; {@code use}: SystemRam, DevDax or Releasing. */
  public record OwnerRecord(String pool, String uid, String use) {}

  /** One release's erase. */
  public record EraseRecord(
      String pool,
      String uid,
      Long generation,
      List<String> dimms,
      List<String> regions,
      List<String> issued,
      Map<String, String> started,
      List<String> completed,
      String since) {}

  static HistoryRecord of(History h) {
    HistoryRecord r = new HistoryRecord();
    h.lastScrub().forEach((k, v) -> r.lastScrub.put(k, v.toString()));
    h.retries()
        .forEach(
            (k, v) ->
                r.retries.put(
                    k,
                    new RetryRecord(
                        v.reason().name(), v.message(), v.attempts(), v.notBefore().toString())));
    h.erases()
        .forEach(
            (k, e) ->
                r.erases.put(
                    k,
                    new EraseRecord(
                        e.pool(),
                        e.uid(),
                        e.generation(),
                        e.dimms(),
                        e.regions(),
                        sorted(e.issued()),
                        instants(e.started()),
                        sorted(e.completed()),
                        e.since() == null ? null : e.since().toString())));
    h.knownBadBlocks()
        .forEach(
            (k, v) ->
                r.knownBadBlocks.put(
                    k,
                    v.stream()
                        .sorted(
                            (a, b) ->
                                a.sector() != b.sector()
                                    ? Long.compare(a.sector(), b.sector())
                                    : Integer.compare(a.count(), b.count()))
                        .toList()));
    r.unhealthy.putAll(h.unhealthy());
    r.retiredPages.putAll(h.retiredPages());
    r.serving.putAll(h.serving());
    h.owners()
        .forEach((k, o) -> r.owners.put(k, new OwnerRecord(o.pool(), o.uid(), o.use().name())));
    h.scrubs()
        .forEach(
            (k, v) -> r.scrubsInProgress.put(k, new ScrubRecord(v.since().toString(), v.count())));
    r.cautious = h.cautious();
    return r;
  }

  History toHistory() {
    History h = History.empty();
    for (Map.Entry<String, String> e : lastScrub.entrySet()) {
      h = h.withScrub(e.getKey(), Instant.parse(e.getValue()));
    }
    for (Map.Entry<String, RetryRecord> e : retries.entrySet()) {
      RetryRecord v = e.getValue();
      Reason reason = Reason.parse(v.reason());
      if (reason == null) {
        continue; // a reason this agent does not know: the step is simply tried again
      }
      h =
          h.withRetry(
              e.getKey(),
              new History.Retry(reason, v.message(), v.attempts(), Instant.parse(v.notBefore())));
    }
    for (Map.Entry<String, EraseRecord> e : erases.entrySet()) {
      EraseRecord v = e.getValue();
      h =
          h.withErase(
              e.getKey(),
              new History.Erase(
                  v.pool(),
                  v.uid(),
                  v.generation(),
                  orEmpty(v.dimms()),
                  orEmpty(v.regions()),
                  new LinkedHashSet<>(orEmpty(v.issued())),
                  parsed(v.started()),
                  new LinkedHashSet<>(orEmpty(v.completed())),
                  v.since() == null ? null : Instant.parse(v.since())));
    }
    for (Map.Entry<String, List<BadBlock>> e : knownBadBlocks.entrySet()) {
      h = h.withKnownBadBlocks(e.getKey(), new HashSet<>(orEmpty(e.getValue())));
    }
    for (Map.Entry<String, List<AddressRange>> e : unhealthy.entrySet()) {
      h =
          h.withPoison(
              e.getKey(), orEmpty(e.getValue()), retiredPages.getOrDefault(e.getKey(), 0L));
    }
    for (Map.Entry<String, Long> e : retiredPages.entrySet()) {
      if (!unhealthy.containsKey(e.getKey())) {
        h = h.withPoison(e.getKey(), List.of(), e.getValue());
      }
    }
    for (Map.Entry<String, String> e : serving.entrySet()) {
      h = h.withServing(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, OwnerRecord> e : owners.entrySet()) {
      OwnerRecord v = e.getValue();
      h =
          h.withOwner(
              e.getKey(), new History.Owner(v.pool(), v.uid(), Ownership.Use.valueOf(v.use())));
    }
    if (scrubsInProgress != null) {
      for (Map.Entry<String, ScrubRecord> e : scrubsInProgress.entrySet()) {
        ScrubRecord v = e.getValue();
        if (v != null && v.since() != null) {
          h =
              h.withScrubStarted(
                  e.getKey(), new History.Scrub(Instant.parse(v.since()), v.count()));
        }
      }
    }
    return cautious ? h.asCautious() : h;
  }

  private static List<String> sorted(java.util.Set<String> s) {
    List<String> l = new ArrayList<>(s);
    l.sort(null);
    return l;
  }

  private static Map<String, String> instants(Map<String, Instant> m) {
    Map<String, String> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.toString()));
    return out;
  }

  /** Absent in records written before overwrites were recorded as started: none started. */
  private static Map<String, Instant> parsed(Map<String, String> m) {
    Map<String, Instant> out = new TreeMap<>();
    if (m != null) {
      m.forEach((k, v) -> out.put(k, Instant.parse(v)));
    }
    return out;
  }

  private static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }
}
