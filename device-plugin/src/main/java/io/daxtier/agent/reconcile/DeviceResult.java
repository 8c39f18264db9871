package io.daxtier.agent.reconcile;

import io.daxtier.api.v1alpha1.DevicePhase;

/** Where one device ended after a pass: its phase and machine-readable reason. */
public record DeviceResult(
    String device, String pool, DevicePhase phase, String reason, String message) {}
