package io.daxtier.agent.model;

/** One line of a badblocks file: 512-byte sectors relative to the region start. */
public record BadBlock(long sector, int count) {}
