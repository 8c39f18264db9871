package io.daxtier.api.v1alpha1;

/** Whether onlining needs CPUs whose machine checks are recoverable. */
public enum RecoverabilityPolicy {
  Required,
  Preferred,
  Ignore
}
