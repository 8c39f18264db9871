package io.daxtier.api.v1alpha1;

/** How the kernel exposes device-dax: the dax bus (5.1+), the legacy class model, or not at all. */
public enum DaxBusModel {
  Bus,
  Class,
  Absent
}
