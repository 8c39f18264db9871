package io.daxtier.api.v1alpha1;

/** A tri-state platform capability such as machine-check recovery. */
public enum Capability {
  Supported,
  Unsupported,
  Unknown
}
