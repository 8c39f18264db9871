package io.daxtier.agent.policy;

import io.daxtier.api.v1alpha1.DevicePhase;
import java.time.Duration;

/**
 * Why a device (or a node step) stopped short of where its pool wants it: the one machine-readable
 * reason that becomes status, Events, backoff and the device's phase. Its {@link Kind} decides what
 * happens next; code asks the kind, never the name.
 */
public enum Reason {
  // Rules of the policy: nothing is written for the device until what they found changes.
  ClassModelUnsupported(Kind.BLOCKED),
  DaxBusAbsent(Kind.BLOCKED),
  KmemMissing(Kind.BLOCKED),
  NoTargetNode(Kind.BLOCKED),
  AutoOnlineConflict(Kind.BLOCKED),
  EncryptionRequired(Kind.BLOCKED),
  DimmLocked(Kind.BLOCKED),
  DimmOverwriteInProgress(Kind.BLOCKED),
  DimmFrozen(Kind.BLOCKED),
  RecoverabilityRequired(Kind.BLOCKED),
  ScrubUnsupported(Kind.BLOCKED),
  /** More bad-block ranges than the pool tolerates (found by the policy or after a scrub). */
  BadBlocks(Kind.BLOCKED),
  /** Another pool holds the device; phase Conflict. */
  Conflict(Kind.BLOCKED, DevicePhase.Conflict),
  InUseAsSystemRam(Kind.BLOCKED),
  EraseUnsafe(Kind.BLOCKED),
  /** The pool's spec breaks a bound of {@code PoolSpecLimits}: nothing is written for it. */
  InvalidSpec(Kind.BLOCKED),
  /**
   * The kernel onlined the memory into a zone the pool does not want, and will not give it back.
   */
  AutoOnlineZone(Kind.BLOCKED),

  // Long steps the pass started (or found running) and does not wait for: looked at again soon.
  ScrubInProgress(Kind.IN_PROGRESS, DevicePhase.Scrubbing),
  EraseInProgress(Kind.IN_PROGRESS, DevicePhase.Releasing),
  /** A write past its deadline goes on in the kernel: the next pass reads how it ended. */
  WriteInProgress(Kind.IN_PROGRESS, null, Duration.ofSeconds(10)),

  // Refused for now: retried with a growing backoff, never forced.
  OfflineBusy(Kind.WAITING, DevicePhase.Releasing),
  EraseWaiting(Kind.WAITING, DevicePhase.Releasing),

  // A step failed; the message says what the kernel or ndctl answered.
  KernelRefused(Kind.FAILED),
  KmemRefused(Kind.FAILED),
  BoundElsewhere(Kind.FAILED),
  DevDaxBindFailed(Kind.FAILED),
  BlocksOnline(Kind.FAILED),
  /** Memory blocks remained after kmem's unbind: the range is lost until reboot. */
  RangeLeaked(Kind.FAILED),
  NoMemoryBlocks(Kind.FAILED),
  ZoneRace(Kind.FAILED),
  MemoryDidNotGrow(Kind.FAILED),
  HwPoisonedBlocks(Kind.FAILED),
  ScrubFailed(Kind.FAILED),
  ScrubTimeout(Kind.FAILED),
  EraseFailed(Kind.FAILED),
  /** An erase is done but a region on its DIMMs could not be enabled: its devices stay away. */
  RegionNotEnabled(Kind.FAILED),
  ProvisionFailed(Kind.FAILED),
  DemotionFailed(Kind.FAILED),
  RecordWriteFailed(Kind.FAILED),
  StateNotDurable(Kind.FAILED),
  /** A sysfs value the agent cannot parse: the object is left alone. */
  MalformedSysfs(Kind.FAILED);

  /** What a reason of this kind means for the next pass, the phase and Events. */
  public enum Kind {
    /** A rule or gate refuses: phase Blocked, a Warning Event; nothing retried until it changes. */
    BLOCKED,
    /** A long step runs: looked at again after {@link Reason#recheck()}, no Event. */
    IN_PROGRESS,
    /** Refused for now: retried with a backoff that doubles per attempt, no Event. */
    WAITING,
    /** A step failed: phase Failed, a Warning Event; retried on the regular interval. */
    FAILED
  }

  /** How soon a long step still running is looked at again. */
  public static final Duration IN_PROGRESS_RECHECK = Defaults.RECHECK;

  /** Constants the constants' constructor may read (an enum's own statics are not set yet). */
  private static final class Defaults {
    static final Duration RECHECK = Duration.ofSeconds(3);
  }

  private final Kind kind;
  private final DevicePhase phase;
  private final Duration recheck;

  Reason(Kind kind) {
    this(kind, null, null);
  }

  Reason(Kind kind, DevicePhase phase) {
    this(kind, phase, null);
  }

  Reason(Kind kind, DevicePhase phase, Duration recheck) {
    this.kind = kind;
    this.phase = phase;
    this.recheck = recheck != null || kind != Kind.IN_PROGRESS ? recheck : Defaults.RECHECK;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the pass should come back soon for it (a long step still running). */
  public boolean inProgress() {
    return kind == Kind.IN_PROGRESS;
  }

  /** Whether it is reported as a Warning Event (once per device, pool and reason). */
  public boolean warns() {
    return kind == Kind.BLOCKED || kind == Kind.FAILED;
  }

  /** How soon an in-progress step is looked at again; null for other kinds. */
  public Duration recheck() {
    return recheck;
  }

  /**
   * The device's phase while this reason holds: the reason's own (Scrubbing, Releasing, Conflict),
   * else by kind — Blocked, Failed, or the direction the device moves in.
   */
  public DevicePhase phase(boolean releasing) {
    if (phase != null) {
      return phase;
    }
    return switch (kind) {
      case BLOCKED -> DevicePhase.Blocked;
      case FAILED -> DevicePhase.Failed;
      case IN_PROGRESS, WAITING -> releasing ? DevicePhase.Releasing : DevicePhase.Converting;
    };
  }

  /** The reason of that name, or null (a record written by another version of the agent). */
  public static Reason parse(String name) {
    if (name == null) {
      return null;
    }
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
