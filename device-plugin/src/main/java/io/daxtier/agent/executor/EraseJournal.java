package io.daxtier.agent.executor;

import io.daxtier.agent.policy.History;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the executor records the progress of its long-running steps: an erase's progress before and
 * after each destructive step, and an ARS it started and does not wait for. {@link #put} and {@link
 * #putScrub} return only once the change is durable (the node record); when they throw, the step
 * that was to follow is not taken.
 */
public interface EraseJournal {
  Optional<History.Erase> get(String release);

  void put(String release, History.Erase erase) throws IOException;

  /** The ARS started on a bus and not yet seen finished. */
  Optional<History.Scrub> scrub(String bus);

  /** Records an ARS started on a bus (null: forgets it). */
  void putScrub(String bus, History.Scrub scrub) throws IOException;

  Instant now();

  /** A journal in memory only (an executor used without a node record). */
  static EraseJournal inMemory() {
    Map<String, History.Erase> erases = new HashMap<>();
    Map<String, History.Scrub> scrubs = new HashMap<>();
    return new EraseJournal() {
      @Override
      public Optional<History.Erase> get(String release) {
        return Optional.ofNullable(erases.get(release));
      }

      @Override
      public void put(String release, History.Erase erase) {
        erases.put(release, erase);
      }

      @Override
      public Optional<History.Scrub> scrub(String bus) {
        return Optional.ofNullable(scrubs.get(bus));
      }

      @Override
      public void putScrub(String bus, History.Scrub scrub) {
        if (scrub == null) {
          scrubs.remove(bus);
        } else {
          scrubs.put(bus, scrub);
        }
      }

      @Override
      public Instant now() {
        return Instant.now();
      }
    };
  }
}
