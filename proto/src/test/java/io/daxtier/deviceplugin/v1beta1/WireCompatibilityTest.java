package io.daxtier.deviceplugin.v1beta1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the wire contract to the upstream kubelet file (kubernetes/kubernetes
 * staging/src/k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1/api.proto): package, every message,
 * field name, number, type and cardinality, and every RPC path.
 */
class WireCompatibilityTest {

  private static final FileDescriptor FILE = DevicePluginApi.getDescriptor();

  @Test
  void packageIsTheUpstreamOne() {
    assertThat(FILE.getPackage()).isEqualTo("v1beta1");
    assertThat(FILE.getOptions().getGoPackage())
        .isEqualTo("k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1");
  }

  @Test
  void messagesAndFieldsMatchUpstream() {
    assertThat(FILE.getMessageTypes().stream().map(WireCompatibilityTest::describe))
        .containsExactlyInAnyOrder(
            "DevicePluginOptions{pre_start_required=1:BOOL,"
                + "get_preferred_allocation_available=2:BOOL}",
            "RegisterRequest{version=1:STRING,endpoint=2:STRING,resource_name=3:STRING,"
                + "options=4:MESSAGE(v1beta1.DevicePluginOptions)}",
            "Empty{}",
            "ListAndWatchResponse{devices=1:repeated MESSAGE(v1beta1.Device)}",
            "TopologyInfo{nodes=1:repeated MESSAGE(v1beta1.NUMANode)}",
            "NUMANode{ID=1:INT64}",
            "Device{ID=1:STRING,health=2:STRING,topology=3:MESSAGE(v1beta1.TopologyInfo)}",
            "PreStartContainerRequest{devices_ids=1:repeated STRING}",
            "PreStartContainerResponse{}",
            "PreferredAllocationRequest{container_requests=1:"
                + "repeated MESSAGE(v1beta1.ContainerPreferredAllocationRequest)}",
            "ContainerPreferredAllocationRequest{available_deviceIDs=1:repeated STRING,"
                + "must_include_deviceIDs=2:repeated STRING,allocation_size=3:INT32}",
            "PreferredAllocationResponse{container_responses=1:"
                + "repeated MESSAGE(v1beta1.ContainerPreferredAllocationResponse)}",
            "ContainerPreferredAllocationResponse{deviceIDs=1:repeated STRING}",
            "AllocateRequest{container_requests=1:"
                + "repeated MESSAGE(v1beta1.ContainerAllocateRequest)}",
            "ContainerAllocateRequest{devices_ids=1:repeated STRING}",
            "CDIDevice{name=1:STRING}",
            "AllocateResponse{container_responses=1:"
                + "repeated MESSAGE(v1beta1.ContainerAllocateResponse)}",
            "ContainerAllocateResponse{envs=1:map<STRING,STRING>,"
                + "mounts=2:repeated MESSAGE(v1beta1.Mount),"
                + "devices=3:repeated MESSAGE(v1beta1.DeviceSpec),annotations=4:map<STRING,STRING>,"
                + "cdi_devices=5:repeated MESSAGE(v1beta1.CDIDevice)}",
            "Mount{container_path=1:STRING,host_path=2:STRING,read_only=3:BOOL}",
            "DeviceSpec{container_path=1:STRING,host_path=2:STRING,permissions=3:STRING}");
  }

  @Test
  void methodPathsMatchUpstream() {
    assertThat(
            FILE.getServices().stream()
                .flatMap(s -> s.getMethods().stream())
                .map(WireCompatibilityTest::describe))
        .containsExactlyInAnyOrder(
            "v1beta1.Registration/Register(RegisterRequest)->Empty",
            "v1beta1.DevicePlugin/GetDevicePluginOptions(Empty)->DevicePluginOptions",
            "v1beta1.DevicePlugin/ListAndWatch(Empty)->stream ListAndWatchResponse",
            "v1beta1.DevicePlugin/GetPreferredAllocation(PreferredAllocationRequest)"
                + "->PreferredAllocationResponse",
            "v1beta1.DevicePlugin/Allocate(AllocateRequest)->AllocateResponse",
            "v1beta1.DevicePlugin/PreStartContainer(PreStartContainerRequest)"
                + "->PreStartContainerResponse");
    assertThat(DevicePluginGrpc.getAllocateMethod().getFullMethodName())
        .isEqualTo("v1beta1.DevicePlugin/Allocate");
    assertThat(RegistrationGrpc.getRegisterMethod().getFullMethodName())
        .isEqualTo("v1beta1.Registration/Register");
  }

  private static String describe(Descriptor message) {
    List<String> fields =
        message.getFields().stream()
            .map(f -> f.getName() + "=" + f.getNumber() + ":" + type(f))
            .collect(Collectors.toList());
    return message.getName() + "{" + String.join(",", fields) + "}";
  }

  private static String type(FieldDescriptor f) {
    if (f.isMapField()) {
      List<FieldDescriptor> kv = f.getMessageType().getFields();
      return "map<" + kv.get(0).getType() + "," + kv.get(1).getType() + ">";
    }
    String base =
        f.getType() == FieldDescriptor.Type.MESSAGE
            ? "MESSAGE(" + f.getMessageType().getFullName() + ")"
            : f.getType().toString();
    return (f.isRepeated() ? "repeated " : "") + base;
  }

  private static String describe(MethodDescriptor m) {
    return m.getService().getFullName()
        + "/"
        + m.getName()
        + "("
        + m.getInputType().getName()
        + ")->"
        + (m.isServerStreaming() ? "stream " : "")
        + m.getOutputType().getName();
  }
}
