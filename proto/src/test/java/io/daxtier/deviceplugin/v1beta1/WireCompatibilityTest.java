package io.daxtier.deviceplugin.v1beta1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the wire contract to the upstream kubelet file (kubernetes/kubernetes
 * staging/src/k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1/api.proto): package, every message,
 * field name, number, type and cardinality, and every RPC path. The generated classes are lite (no
 * descriptors at run time), so this reads the descriptor set protoc wrote next to them at build
 * time (target/protoset/api.protoset, from the same run over the same file).
 */
class WireCompatibilityTest {

  private static final FileDescriptorProto FILE = load();

  private static FileDescriptorProto load() {
    try (InputStream in = Files.newInputStream(Path.of("target/protoset/api.protoset"))) {
      List<FileDescriptorProto> files = FileDescriptorSet.parseFrom(in).getFileList();
      assertThat(files).hasSize(1);
      return files.get(0);
    } catch (IOException e) {
      throw new IllegalStateException("no descriptor set: build the module first", e);
    }
  }

  @Test
  void packageIsTheUpstreamOne() {
    assertThat(FILE.getPackage()).isEqualTo("v1beta1");
    assertThat(FILE.getOptions().getGoPackage())
        .isEqualTo("k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1");
  }

  @Test
  void messagesAndFieldsMatchUpstream() {
    assertThat(FILE.getMessageTypeList().stream().map(WireCompatibilityTest::describe))
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
            FILE.getServiceList().stream()
                .flatMap(
                    s ->
                        s.getMethodList().stream()
                            .map(m -> FILE.getPackage() + "." + s.getName() + "/" + describe(m))))
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

  private static String describe(DescriptorProto message) {
    List<String> fields =
        message.getFieldList().stream()
            .map(f -> f.getName() + "=" + f.getNumber() + ":" + type(message, f))
            .collect(Collectors.toList());
    return message.getName() + "{" + String.join(",", fields) + "}";
  }

  private static String type(DescriptorProto owner, FieldDescriptorProto f) {
    boolean repeated = f.getLabel() == FieldDescriptorProto.Label.LABEL_REPEATED;
    if (f.getType() != FieldDescriptorProto.Type.TYPE_MESSAGE) {
      return (repeated ? "repeated " : "") + scalar(f);
    }
    String typeName = f.getTypeName().substring(1); // ".v1beta1.Device" -> "v1beta1.Device"
    DescriptorProto entry =
        owner.getNestedTypeList().stream()
            .filter(n -> n.getName().equals(local(typeName)) && n.getOptions().getMapEntry())
            .findFirst()
            .orElse(null);
    if (entry != null) {
      return "map<" + scalar(entry.getField(0)) + "," + scalar(entry.getField(1)) + ">";
    }
    return (repeated ? "repeated " : "") + "MESSAGE(" + typeName + ")";
  }

  private static String scalar(FieldDescriptorProto f) {
    return f.getType().name().substring("TYPE_".length());
  }

  private static String describe(MethodDescriptorProto m) {
    return m.getName()
        + "("
        + local(m.getInputType())
        + ")->"
        + (m.getServerStreaming() ? "stream " : "")
        + local(m.getOutputType());
  }

  private static String local(String typeName) {
    return typeName.substring(typeName.lastIndexOf('.') + 1);
  }
}
