package io.daxtier.dra;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the kubelet's DRA wire contracts to the upstream files (kubernetes/kubernetes
 * staging/src/k8s.io/kubelet/pkg/apis/{dra/v1,dra/v1beta1,dra-health/v1alpha1,dra-health/v1,
 * pluginregistration/v1}/api.proto): packages, messages, field numbers and types, RPC paths. Reads
 * the descriptor set protoc wrote beside the lite classes (target/protoset/kubelet-dra.protoset).
 */
class KubeletDraWireTest {
  private static final Map<String, FileDescriptorProto> FILES = load();

  private static Map<String, FileDescriptorProto> load() {
    try (InputStream in = Files.newInputStream(Path.of("target/protoset/kubelet-dra.protoset"))) {
      return FileDescriptorSet.parseFrom(in).getFileList().stream()
          .collect(Collectors.toMap(FileDescriptorProto::getName, Function.identity()));
    } catch (IOException e) {
      throw new IllegalStateException("no descriptor set: build the module first", e);
    }
  }

  private static final List<String> DRA_MESSAGES =
      List.of(
          "NodePrepareResourcesRequest{claims=1:repeated Claim}",
          "NodePrepareResourcesResponse{claims=1:repeated ClaimsEntry}",
          "NodePrepareResourceResponse{devices=1:repeated Device,error=2:STRING}",
          "Device{request_names=1:repeated STRING,pool_name=2:STRING,device_name=3:STRING,"
              + "cdi_device_ids=4:repeated STRING}",
          "NodeUnprepareResourcesRequest{claims=1:repeated Claim}",
          "NodeUnprepareResourcesResponse{claims=1:repeated ClaimsEntry}",
          "NodeUnprepareResourceResponse{error=1:STRING}",
          "Claim{namespace=1:STRING,uid=2:STRING,name=3:STRING}");

  private static final List<String> HEALTH_MESSAGES =
      List.of(
          "NodeWatchResourcesRequest{}",
          "DeviceIdentifier{pool_name=1:STRING,device_name=2:STRING}",
          "DeviceHealth{device=1:DeviceIdentifier,health=2:HealthStatus,last_updated_time=3:INT64,"
              + "health_check_timeout_seconds=4:INT64,message=5:STRING}",
          "NodeWatchResourcesResponse{devices=1:repeated DeviceHealth}");

  @Test
  void draPluginV1AndV1beta1MatchUpstream() {
    for (String v : List.of("v1", "v1beta1")) {
      FileDescriptorProto f = FILES.get("kubelet/dra/" + v + "/api.proto");
      assertThat(f.getPackage()).isEqualTo("k8s.io.kubelet.pkg.apis.dra." + v);
      assertThat(messages(f)).containsExactlyInAnyOrderElementsOf(DRA_MESSAGES);
      assertThat(methods(f))
          .containsExactlyInAnyOrder(
              "k8s.io.kubelet.pkg.apis.dra." + v + ".DRAPlugin/NodePrepareResources",
              "k8s.io.kubelet.pkg.apis.dra." + v + ".DRAPlugin/NodeUnprepareResources");
    }
    assertThat(io.daxtier.dra.v1.DRAPluginGrpc.getNodePrepareResourcesMethod().getFullMethodName())
        .isEqualTo("k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources");
  }

  @Test
  void draHealthMatchesUpstream() {
    for (String v : List.of("v1alpha1", "v1")) {
      FileDescriptorProto f = FILES.get("kubelet/dra-health/" + v + "/api.proto");
      assertThat(f.getPackage()).isEqualTo(v);
      assertThat(messages(f)).containsExactlyInAnyOrderElementsOf(HEALTH_MESSAGES);
      assertThat(
              f.getEnumType(0).getValueList().stream().map(e -> e.getName() + "=" + e.getNumber()))
          .containsExactly("UNKNOWN=0", "HEALTHY=1", "UNHEALTHY=2");
      assertThat(methods(f)).containsExactly(v + ".DRAResourceHealth/NodeWatchResources(stream)");
    }
    assertThat(
            io.daxtier.dra.health.v1alpha1.DRAResourceHealthGrpc.getNodeWatchResourcesMethod()
                .getFullMethodName())
        .isEqualTo("v1alpha1.DRAResourceHealth/NodeWatchResources");
  }

  @Test
  void pluginRegistrationMatchesUpstream() {
    FileDescriptorProto f = FILES.get("kubelet/pluginregistration/v1/api.proto");
    assertThat(f.getPackage()).isEqualTo("pluginregistration");
    assertThat(messages(f))
        .containsExactlyInAnyOrder(
            "PluginInfo{type=1:STRING,name=2:STRING,endpoint=3:STRING,"
                + "supported_versions=4:repeated STRING}",
            "RegistrationStatus{plugin_registered=1:BOOL,error=2:STRING}",
            "RegistrationStatusResponse{}",
            "InfoRequest{}");
    assertThat(methods(f))
        .containsExactlyInAnyOrder(
            "pluginregistration.Registration/GetInfo",
            "pluginregistration.Registration/NotifyRegistrationStatus");
  }

  private static List<String> messages(FileDescriptorProto f) {
    return f.getMessageTypeList().stream().map(KubeletDraWireTest::describe).toList();
  }

  private static List<String> methods(FileDescriptorProto f) {
    return f.getServiceList().stream()
        .flatMap(
            s ->
                s.getMethodList().stream()
                    .map(
                        m ->
                            f.getPackage()
                                + "."
                                + s.getName()
                                + "/"
                                + m.getName()
                                + (m.getServerStreaming() ? "(stream)" : "")))
        .toList();
  }

  private static String describe(DescriptorProto m) {
    return m.getName()
        + "{"
        + m.getFieldList().stream()
            .map(f -> f.getName() + "=" + f.getNumber() + ":" + type(f))
            .collect(Collectors.joining(","))
        + "}";
  }

  private static String type(FieldDescriptorProto f) {
    String t =
        f.getTypeName().isEmpty()
            ? f.getType().name().substring("TYPE_".length())
            : f.getTypeName().substring(f.getTypeName().lastIndexOf('.') + 1);
    return (f.getLabel() == FieldDescriptorProto.Label.LABEL_REPEATED ? "repeated " : "") + t;
  }
}
