package io.daxtier.agent.model;

/** An NVDIMM bus and its Address Range Scrub state ({@code ndbusN/nfit/scrub}). */
public record NdBus(String name, boolean arsSupported, int scrubCount, boolean scrubInProgress) {}
