package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** Which driver a dax device is bound to, in {@code daxctl list} terms. */
public enum DeviceMode {
  DEVDAX("devdax"),
  SYSTEM_RAM("system-ram"),
  UNBOUND("unbound");

  private final String wire;

  DeviceMode(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }
}
