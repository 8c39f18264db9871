package io.daxtier.agent.dra;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The devices' health as the kubelet sees it, version-neutral: a published device is healthy or
 * unhealthy (poison), a device that was published and is gone (released) is unknown (in the next
 * list, then left out). Every open stream gets the full list on start and again on every change.
 */
final class DraHealth {
  static final String UNHEALTHY_MESSAGE = "poison on the device not yet dealt with";
  static final String GONE_MESSAGE = "no longer published on this node (released or removed)";

  private final String pool;
  private final Clock clock;
  private final Set<Consumer<List<DeviceHealthState>>> watchers = ConcurrentHashMap.newKeySet();
  private final Map<String, DeviceHealthState> states = new LinkedHashMap<>();
  private volatile List<DeviceHealthState> snapshot = List.of();

  DraHealth(String pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** Takes the devices published now; sends the list to every stream if any health changed. */
  void update(List<DraDevice> devices) {
    // Sends happen under the lock (they only queue), so every stream sees the lists in order.
    synchronized (this) {
      long now = clock.instant().getEpochSecond();
      boolean changed = false;
      Map<String, DraDevice> present = new LinkedHashMap<>();
      devices.forEach(d -> present.put(d.name(), d));
      // A gone device is reported unknown until the next change, then left out: the kubelet
      // times out devices missing from the list to Unknown by itself.
      states
          .values()
          .removeIf(
              st ->
                  st.health() == DeviceHealthState.Health.UNKNOWN
                      && !present.containsKey(st.device()));
      for (DraDevice d : present.values()) {
        DeviceHealthState.Health h =
            d.healthy() ? DeviceHealthState.Health.HEALTHY : DeviceHealthState.Health.UNHEALTHY;
        changed |= set(d.name(), h, d.healthy() ? "" : UNHEALTHY_MESSAGE, now);
      }
      for (String name : List.copyOf(states.keySet())) {
        if (!present.containsKey(name)) {
          changed |= set(name, DeviceHealthState.Health.UNKNOWN, GONE_MESSAGE, now);
        }
      }
      if (!changed) {
        return;
      }
      List<DeviceHealthState> next = List.copyOf(new ArrayList<>(states.values()));
      snapshot = next;
      watchers.forEach(w -> w.accept(next));
    }
  }

  private boolean set(String device, DeviceHealthState.Health h, String message, long now) {
    DeviceHealthState old = states.get(device);
    if (old != null && old.health() == h) {
      return false;
    }
    states.put(device, new DeviceHealthState(pool, device, h, now, message));
    return true;
  }

  /** The current list. */
  List<DeviceHealthState> current() {
    return snapshot;
  }

  /** Sends the current list to {@code watcher} now and every changed list later. */
  synchronized void watch(Consumer<List<DeviceHealthState>> watcher) {
    watchers.add(watcher);
    watcher.accept(snapshot);
  }

  void unwatch(Consumer<List<DeviceHealthState>> watcher) {
    watchers.remove(watcher);
  }

  int openStreams() {
    return watchers.size();
  }
}
