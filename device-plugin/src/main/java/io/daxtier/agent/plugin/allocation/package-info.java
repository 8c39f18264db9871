/**
 * Pure device-plugin decisions: the device list of a resource, preferred allocation, what Allocate
 * grants, and the diff of desired against served resources. No I/O, no gRPC.
 */
package io.daxtier.agent.plugin.allocation;
