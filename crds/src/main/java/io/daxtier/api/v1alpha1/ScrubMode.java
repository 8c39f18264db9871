package io.daxtier.api.v1alpha1;

/** Whether an Address Range Scrub must complete before onlining. */
public enum ScrubMode {
  Required,
  IfSupported,
  Skip
}
