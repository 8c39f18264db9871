package io.daxtier.api.ownership;

import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.PoolMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who owns one dax device on a node: the one rule the agent acts on and the operator reports (pure,
 * no I/O).
 *
 * <p>Ownership is sticky. A device a pool holds — online as System RAM for it, served as DevDax for
 * it, or in its release — stays with that pool until that pool has released it; every other pool
 * that selects it loses ("held by pool X"), whatever the ages. A device the kernel shows in use
 * while no holder is known keeps that use: only a pool of the matching mode may own it, a pool of
 * the other mode loses instead of converting memory that may be in use. Precedence by age (oldest
 * first, then name) only decides between pools that want a free device.
 */
public final class Ownership {
  private Ownership() {}

  /**
   * One pool that selects the device.
   *
   * @param uid the pool's UID; null when unknown (a pool file without one)
   */
  public record Candidate(String name, String uid, PoolMode mode) {
    public Candidate {
      Objects.requireNonNull(name, "name");
    }
  }

  /** What a held device is doing for its holder. */
  public enum Use {
    /** Online (or being onlined) as System RAM. */
    SystemRam,
    /** Bound to device_dax and handed out to pods. */
    DevDax,
    /** In its holder's release (offline, erase) until the release completes. */
    Releasing
  }

  /**
   * What holds the device now.
   *
   * @param pool the holding pool; null when the kernel shows the device in use but no pool is known
   *     to hold it (then {@code use} is SystemRam or DevDax)
   * @param uid the holding pool's UID when known; null matches any UID
   */
  public record Holder(String pool, String uid, Use use) {
    public Holder {
      Objects.requireNonNull(use, "use");
      if (pool == null && use == Use.Releasing) {
        throw new IllegalArgumentException("a release always has its pool");
      }
    }

    /** A device held by {@code pool}. */
    public static Holder pool(String pool, String uid, Use use) {
      return new Holder(Objects.requireNonNull(pool, "pool"), uid, use);
    }

    /** A device the kernel shows in use as {@code use} with no holder known. */
    public static Holder unknown(Use use) {
      return new Holder(null, null, use);
    }

    boolean is(Candidate c) {
      return pool != null
          && pool.equals(c.name())
          && (uid == null || c.uid() == null || uid.equals(c.uid()));
    }
  }

  /** Why a pool does not own the device. */
  public enum Loss {
    /** Another pool holds the device (sticky, whatever the ages). */
    Held,
    /** The kernel shows the device in use in the other mode, no holder known. */
    InUse,
    /** An older pool (or the same age, an earlier name) wants the free device too. */
    Precedence
  }

  /**
   * The outcome for one candidate.
   *
   * @param loss null when the candidate owns the device
   * @param owner who owns the device instead (a pool name), null when none or unknown
   * @param message for humans, null when the candidate owns the device
   */
  public record Outcome(Candidate pool, Loss loss, String owner, String message) {
    public boolean owns() {
      return loss == null;
    }
  }

  /**
   * The owner (empty when no candidate may own the device) and one outcome per candidate, in the
   * candidates' order.
   */
  public record Result(Optional<Candidate> owner, List<Outcome> outcomes) {
    public Result {
      outcomes = List.copyOf(outcomes);
    }
  }

  /**
   * Decides who owns the device.
   *
   * @param candidates the pools that select the device, in precedence order (oldest first, then
   *     name), as both the operator renders and the agent receives a node's pools
   * @param holder what holds the device now; null when it is free
   */
  public static Result decide(List<Candidate> candidates, Holder holder) {
    Candidate owner = null;
    if (holder == null) {
      owner = candidates.isEmpty() ? null : candidates.get(0);
    } else if (holder.pool() != null) {
      owner = candidates.stream().filter(holder::is).findFirst().orElse(null);
    } else {
      PoolMode mode = holder.use() == Use.SystemRam ? PoolMode.SystemRam : PoolMode.DevDax;
      owner = candidates.stream().filter(c -> c.mode() == mode).findFirst().orElse(null);
    }
    List<Outcome> out = new ArrayList<>();
    for (Candidate c : candidates) {
      if (c == owner) {
        out.add(new Outcome(c, null, null, null));
      } else if (holder != null && holder.pool() != null) {
        out.add(new Outcome(c, Loss.Held, holder.pool(), "held by pool " + holder.pool()));
      } else if (holder != null && c.mode() != modeOf(holder.use())) {
        out.add(
            new Outcome(
                c,
                Loss.InUse,
                owner == null ? null : owner.name(),
                "in use as "
                    + useName(holder.use())
                    + (owner == null ? " by no known pool" : " by pool " + owner.name())
                    + ": a "
                    + c.mode()
                    + " pool does not convert it"));
      } else {
        out.add(
            new Outcome(
                c,
                Loss.Precedence,
                owner.name(),
                "owned by pool " + owner.name() + " (precedence)"));
      }
    }
    return new Result(Optional.ofNullable(owner), out);
  }

  /**
   * What holds a device, as its agent reported it in the PmemNode status: a device Online or
   * Releasing for a pool is held by that pool; one online as System RAM (any block online) with no
   * pool holding it is in use with no holder known; otherwise it is free (null).
   */
  public static Holder reported(DeviceStatus device) {
    if (device.pool != null && device.phase == DevicePhase.Releasing) {
      return Holder.pool(device.pool, null, Use.Releasing);
    }
    if (device.pool != null && device.phase == DevicePhase.Online) {
      return Holder.pool(
          device.pool, null, device.mode == DeviceMode.DEVDAX ? Use.DevDax : Use.SystemRam);
    }
    if (device.mode == DeviceMode.SYSTEM_RAM
        && device.blocksOnline != null
        && device.blocksOnline > 0) {
      return Holder.unknown(Use.SystemRam);
    }
    return null;
  }

  private static PoolMode modeOf(Use use) {
    return use == Use.SystemRam ? PoolMode.SystemRam : PoolMode.DevDax;
  }

  private static String useName(Use use) {
    return use == Use.SystemRam ? "system-ram" : use == Use.DevDax ? "devdax" : "a release";
  }
}
