package io.daxtier.agent.policy;

/** Why a device is blocked: the machine-readable reason that becomes status and an Event. */
public enum Rule {
  ClassModelUnsupported,
  DaxBusAbsent,
  KmemMissing,
  NoTargetNode,
  AutoOnlineConflict,
  EncryptionRequired,
  DimmLocked,
  DimmOverwriteInProgress,
  DimmFrozen,
  RecoverabilityRequired,
  ScrubUnsupported,
  BadBlocks,
  Conflict,
  InUseAsSystemRam,
  RangeLeaked,
  EraseUnsafe,
  /** The pool's spec breaks a bound of {@code PoolSpecLimits}: nothing is written for it. */
  InvalidSpec
}
