package io.daxtier.operator.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether this instance may write to the API server: the fence every write passes (through {@link
 * WriteMeter#record}). It opens when the leader elector says this instance started leading and the
 * Lease shows it as holder, and it closes for good when any of these happens:
 *
 * <ul>
 *   <li>the elector says it stopped leading ({@code LeaseLost});
 *   <li>the Lease names another holder ({@code LeaseTaken});
 *   <li>the last renewal seen in the Lease is older than the renew deadline ({@code
 *       RenewalOverdue}). The elector gives up at the same deadline, but its callback runs on a
 *       thread that may be late; checking the time here on every write keeps the old leader silent
 *       before the lease duration ends and another instance may take the Lease.
 * </ul>
 *
 * Losing is final: the instance stops its reconcilers and reports unhealthy so it is restarted and
 * joins again as a standby. Times are compared with {@code clock}, which must be the clock the
 * elector stamps {@code renewTime} with (the system clock).
 */
public final class Leadership {
  /** Where this instance stands. */
  public enum State {
    /** Waiting for the Lease. */
    STANDBY,
    /** Holds the Lease. */
    LEADING,
    /** Held it and lost it; never leads again in this process. */
    LOST
  }

  private final boolean elected;
  private final String identity;
  private final Duration renewDeadline;
  private final Clock clock;
  private final List<Runnable> lossListeners = new CopyOnWriteArrayList<>();
  private State state = State.STANDBY;
  private Instant lastRenew;
  private String lostReason;

  private Leadership(boolean elected, String identity, Duration renewDeadline, Clock clock) {
    this.elected = elected;
    this.identity = identity;
    this.renewDeadline = renewDeadline;
    this.clock = clock;
  }

  /** No leader election: this instance always writes. */
  public static Leadership unelected() {
    return new Leadership(false, null, null, Clock.systemUTC());
  }

  /** Leader election as {@code identity}; a renewal counts for {@code renewDeadline}. */
  public static Leadership elected(String identity, Duration renewDeadline, Clock clock) {
    return new Leadership(true, Objects.requireNonNull(identity), renewDeadline, clock);
  }

  /** Runs {@code listener} once, on the thread that notices the loss. */
  public void onLoss(Runnable listener) {
    lossListeners.add(listener);
  }

  /** The elector acquired the Lease. */
  public synchronized void startedLeading() {
    if (state == State.STANDBY) {
      state = State.LEADING;
    }
  }

  /** The elector stopped leading (renewals failed until its deadline, or it was stopped). */
  public void stoppedLeading() {
    lose("LeaseLost");
  }

  /**
   * What the Lease says: its holder and when the holder last renewed it ({@code null}s when
   * absent).
   */
  public void observe(String holder, Instant renewTime) {
    boolean taken;
    synchronized (this) {
      if (!elected || state == State.LOST) {
        return;
      }
      taken = state == State.LEADING && holder != null && !identity.equals(holder);
      if (!taken && identity.equals(holder) && renewTime != null) {
        if (lastRenew == null || renewTime.isAfter(lastRenew)) {
          lastRenew = renewTime;
        }
      }
    }
    if (taken) {
      lose("LeaseTaken");
    }
  }

  /** Whether a write may be sent now. */
  public boolean mayWrite() {
    return refusal() == null;
  }

  /**
   * Refuses {@code verb} on {@code kind} unless this instance may write now.
   *
   * @throws NotLeader when it may not; the write must not be sent
   */
  public void check(String kind, String verb) {
    String why = refusal();
    if (why != null) {
      throw new NotLeader(why, kind + " " + verb);
    }
  }

  /** Where this instance stands now (a renewal found overdue counts as lost). */
  public State state() {
    refusal();
    synchronized (this) {
      return state;
    }
  }

  /** Whether this instance held the Lease and lost it (it should be restarted). */
  public boolean lost() {
    return state() == State.LOST;
  }

  /** Why leadership was lost, or null. */
  public synchronized String lostReason() {
    return lostReason;
  }

  private String refusal() {
    if (!elected) {
      return null;
    }
    boolean overdue;
    synchronized (this) {
      switch (state) {
        case STANDBY:
          return "Standby";
        case LOST:
          return lostReason;
        default:
          break;
      }
      if (lastRenew == null) {
        return "Standby"; // leading, but the Lease not seen yet
      }
      overdue = !clock.instant().isBefore(lastRenew.plus(renewDeadline));
    }
    if (overdue) {
      lose("RenewalOverdue");
      return lostReason();
    }
    return null;
  }

  private void lose(String reason) {
    synchronized (this) {
      if (state != State.LEADING) {
        return; // unelected, already lost, or a standby that stops: nothing to fence
      }
      state = State.LOST;
      lostReason = reason;
    }
    lossListeners.forEach(Runnable::run);
  }
}
