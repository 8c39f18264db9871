package io.daxtier.api.v1alpha1;

/** How the pool's devices are used. */
public enum PoolMode {
  SystemRam,
  DevDax
}
