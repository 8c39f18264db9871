package io.daxtier.agent.plugin;

import io.daxtier.agent.plugin.allocation.AllocationDecision.ContainerGrant;
import io.daxtier.agent.plugin.allocation.AllocationDecision.DeviceNode;
import io.daxtier.agent.plugin.allocation.DeviceList;
import io.daxtier.agent.plugin.allocation.PluginDevice;
import io.daxtier.deviceplugin.v1beta1.ContainerAllocateResponse;
import io.daxtier.deviceplugin.v1beta1.Device;
import io.daxtier.deviceplugin.v1beta1.DeviceSpec;
import io.daxtier.deviceplugin.v1beta1.ListAndWatchResponse;
import io.daxtier.deviceplugin.v1beta1.NUMANode;
import io.daxtier.deviceplugin.v1beta1.TopologyInfo;

/** Maps the pure model onto the kubelet's v1beta1 messages. */
final class DeviceMessages {
  /** Health values from the kubelet's constants.go. */
  static final String HEALTHY = "Healthy";

  static final String UNHEALTHY = "Unhealthy";

  private DeviceMessages() {}

  static ListAndWatchResponse listAndWatch(DeviceList list) {
    ListAndWatchResponse.Builder b = ListAndWatchResponse.newBuilder();
    for (PluginDevice d : list.devices()) {
      Device.Builder device =
          Device.newBuilder().setID(d.id()).setHealth(d.healthy() ? HEALTHY : UNHEALTHY);
      d.topologyNode()
          .ifPresent(
              n ->
                  device.setTopology(
                      TopologyInfo.newBuilder().addNodes(NUMANode.newBuilder().setID(n))));
      b.addDevices(device);
    }
    return b.build();
  }

  static ContainerAllocateResponse container(ContainerGrant grant) {
    ContainerAllocateResponse.Builder b =
        ContainerAllocateResponse.newBuilder().putAllEnvs(grant.env());
    for (DeviceNode n : grant.deviceNodes()) {
      b.addDevices(
          DeviceSpec.newBuilder()
              .setContainerPath(n.containerPath())
              .setHostPath(n.hostPath())
              .setPermissions(n.permissions()));
    }
    return b.build();
  }
}
