package io.daxtier.api.v1alpha1;

/** What the NVDIMM security state of every DIMM behind a region must be. */
public enum EncryptionPolicy {
  Required,
  Preferred,
  Disabled
}
