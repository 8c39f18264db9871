package io.daxtier.agent.policy;

/** A decision for one device, with the pool that owns it (null when untouched). */
public record DeviceDecision(String device, String pool, Decision decision) {}
