package io.daxtier.agent.plugin.allocation;

import java.util.List;
import java.util.Map;

/** The answer to an Allocate call: every container granted, or the whole call rejected. */
public sealed interface AllocationDecision {

  /** Every container's env and device nodes, in request order. */
  record Granted(List<ContainerGrant> containers) implements AllocationDecision {
    public Granted {
      containers = List.copyOf(containers);
    }
  }

  /** The call is refused; the kubelet sees INVALID_ARGUMENT with the message. */
  record Rejected(Reason reason, String message) implements AllocationDecision {}

  /** What one container gets. */
  record ContainerGrant(Map<String, String> env, List<DeviceNode> deviceNodes) {
    public ContainerGrant {
      env = Map.copyOf(env);
      deviceNodes = List.copyOf(deviceNodes);
    }
  }

  /** A host device node made available in the container. */
  record DeviceNode(String containerPath, String hostPath, String permissions) {}

  /** Machine-readable rejection reasons. */
  enum Reason {
    UnknownDevice,
    UnhealthyDevice,
    NoDevices
  }
}
