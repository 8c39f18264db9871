package io.daxtier.agent.executor;

import io.daxtier.agent.policy.History;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the executor records an erase's progress before and after each destructive step. {@link
 * #put} returns only once the change is durable (the node record); when it throws, the step that
 * was to follow is not taken.
 */
public interface EraseJournal {
  Optional<History.Erase> get(String release);

  void put(String release, History.Erase erase) throws IOException;

  Instant now();

  /** A journal in memory only (an executor used without a node record). */
  static EraseJournal inMemory() {
    Map<String, History.Erase> erases = new HashMap<>();
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
      public Instant now() {
        return Instant.now();
      }
    };
  }
}
