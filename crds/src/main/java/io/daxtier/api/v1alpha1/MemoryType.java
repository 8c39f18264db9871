package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a dax device's memory comes from, read from its sysfs ancestry. */
public enum MemoryType {
  /** An NVDIMM region (libnvdimm, {@code nd_pmem}/{@code dax_pmem}). */
  PMEM("pmem"),
  /** A CXL memory expander region ({@code cxl_region}). */
  CXL("cxl"),
  /** EFI soft-reserved / HMAT "specific purpose" memory ({@code dax_hmem}). */
  HMEM("hmem"),
  /** Any of the above (selector only). */
  ANY("any");

  private final String wire;

  MemoryType(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }
}
