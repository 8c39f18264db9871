package io.daxtier.agent.ndctl;

import java.time.Duration;
import java.util.Optional;

/** What the agent needs from ndctl (ioctls and DSMs that sysfs cannot do). */
public interface Ndctl {

  /** Why no command can run at all (every operation then fails); empty when ndctl is there. */
  default Optional<String> unavailable() {
    return Optional.empty();
  }

  /** Starts an ARS on a bus; false when the bus has none (EOPNOTSUPP/ENOENT). */
  boolean startScrub(String bus);

  /** Waits for the bus's ARS; true when it completed within the timeout. */
  boolean awaitScrub(String bus, Duration timeout);

  /** Clears known poison under a dax device's namespace; false when it could not. */
  boolean clearErrors(String daxDevice);

  /** Creates a devdax namespace in a region; the new dax device name. */
  Optional<String> createNamespace(String region, long size, long align);

  /**
   * Starts overwriting a DIMM ({@code sanitize-dimm --overwrite}, asynchronous: the DIMM's {@code
   * security} attribute reads {@code overwrite} until it is done); false when refused.
   */
  boolean overwrite(String dimm);

  /** Disables a region ({@code disable-region}): its namespaces go away until it is enabled. */
  boolean disableRegion(String region);

  /** Enables a region ({@code enable-region}). */
  boolean enableRegion(String region);
}
