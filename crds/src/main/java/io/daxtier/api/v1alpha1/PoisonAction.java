package io.daxtier.api.v1alpha1;

/** What the agent does when new poison appears in onlined memory. */
public enum PoisonAction {
  RetirePages,
  MarkUnhealthy,
  Ignore
}
