package io.daxtier.agent.ndctl;

import java.time.Duration;
import java.util.Optional;

/** What the agent needs from ndctl (ioctls and DSMs that sysfs cannot do). */
public interface Ndctl {

  /** Starts an ARS on a bus; false when the bus has none (EOPNOTSUPP/ENOENT). */
  boolean startScrub(String bus);

  /** Waits for the bus's ARS; true when it completed within the timeout. */
  boolean awaitScrub(String bus, Duration timeout);

  /** Clears known poison under a dax device's namespace; false when it could not. */
  boolean clearErrors(String daxDevice);

  /** Creates a devdax namespace in a region; the new dax device name. */
  Optional<String> createNamespace(String region, long size, long align);

  /** Overwrites a DIMM ({@code sanitize-dimm --overwrite}); false when refused. */
  boolean overwrite(String dimm);
}
