package io.daxtier.agent.plugin.allocation;

/** One step that brings the running plugin servers to the desired resources. */
public sealed interface ResourceChange {
  String resourceName();

  /** Serve and register a resource not served yet. */
  record Start(DeviceList devices) implements ResourceChange {
    @Override
    public String resourceName() {
      return devices.resourceName();
    }
  }

  /** Send a changed device list to the kubelet. */
  record Update(DeviceList devices) implements ResourceChange {
    @Override
    public String resourceName() {
      return devices.resourceName();
    }
  }

  /** Stop serving a resource no longer wanted. */
  record Stop(String resourceName) implements ResourceChange {}
}
