package io.daxtier.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every change the CRUD store makes, as watch events, for the HTTP watches kubectl opens (the mock
 * itself only watches over WebSockets, which client-go does not use). It keeps the last {@value
 * #HISTORY} changes (of every kind together, like etcd's history before compaction) so a watch from
 * a resource version (the one a list returned) first replays what it missed, then follows the store
 * live. A watch from a version older than the oldest kept change cannot be replayed whole: it is
 * refused ({@link #subscribe} answers false) and the front answers it as the API server does, 410
 * Expired, so the client lists again. Cheap when nobody watches: one regex per write for the
 * version.
 */
final class WatchHub {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Pattern RV = Pattern.compile("\"resourceVersion\"\\s*:\\s*\"(\\d+)\"");

  /** How many changes are kept for replay, by default. */
  static final int HISTORY = 2_000;

  /** One change: ADDED, MODIFIED or DELETED, at resource version {@code rv}. */
  record Event(long rv, String type, String json) {
    Map<String, Object> object() {
      try {
        return JSON.readValue(json, MAP);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final Deque<Event> history = new ArrayDeque<>();
  private final List<BlockingQueue<Event>> listeners = new CopyOnWriteArrayList<>();
  private final int capacity;

  /** The resource version of the newest change dropped from the history (0: none dropped yet). */
  private long expiredUpTo;

  WatchHub() {
    this(HISTORY);
  }

  /** Keeps the last {@code capacity} changes for replay. */
  WatchHub(int capacity) {
    this.capacity = capacity;
  }

  /** A create or update of {@code json}. */
  void changed(boolean created, String json) {
    Matcher m = RV.matcher(json);
    long rv = m.find() ? Long.parseLong(m.group(1)) : 0;
    publish(new Event(rv, created ? "ADDED" : "MODIFIED", json));
  }

  /** A delete of the stored {@code json}, stamped with the new resource version {@code rv}. */
  void deleted(String json, long rv) {
    try {
      Map<String, Object> object = JSON.readValue(json, MAP);
      Object metadata = object.get("metadata");
      if (metadata instanceof Map<?, ?>) {
        @SuppressWarnings("unchecked")
        Map<String, Object> md = (Map<String, Object>) metadata;
        md.put("resourceVersion", Long.toString(rv));
      }
      publish(new Event(rv, "DELETED", JSON.writeValueAsString(object)));
    } catch (IOException e) {
      // not JSON: nothing a watcher could read
    }
  }

  private synchronized void publish(Event event) {
    history.addLast(event);
    while (history.size() > capacity) {
      expiredUpTo = Math.max(expiredUpTo, history.removeFirst().rv());
    }
    listeners.forEach(q -> q.offer(event));
  }

  /**
   * Follows the store into {@code queue}, first replaying kept changes after {@code fromRv} (0:
   * from now on). False, and nothing subscribed, when changes after {@code fromRv} were already
   * dropped from the history: the watch has expired.
   */
  synchronized boolean subscribe(long fromRv, BlockingQueue<Event> queue) {
    if (fromRv > 0 && fromRv < expiredUpTo) {
      return false;
    }
    if (fromRv > 0) {
      history.stream().filter(e -> e.rv() > fromRv).forEach(queue::offer);
    }
    listeners.add(queue);
    return true;
  }

  /** The oldest resource version a watch may still start from (0 while nothing was dropped). */
  synchronized long oldestResourceVersion() {
    return expiredUpTo;
  }

  void unsubscribe(BlockingQueue<Event> queue) {
    listeners.remove(queue);
  }
}
