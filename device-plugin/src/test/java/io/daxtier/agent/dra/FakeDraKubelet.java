package io.daxtier.agent.dra;

import io.daxtier.dra.health.v1alpha1.DRAResourceHealthGrpc;
import io.daxtier.dra.health.v1alpha1.NodeWatchResourcesRequest;
import io.daxtier.dra.health.v1alpha1.NodeWatchResourcesResponse;
import io.daxtier.dra.v1.Claim;
import io.daxtier.dra.v1.DRAPluginGrpc;
import io.daxtier.dra.v1.NodePrepareResourceResponse;
import io.daxtier.dra.v1.NodePrepareResourcesRequest;
import io.daxtier.dra.v1.NodeUnprepareResourcesRequest;
import io.daxtier.kubelet.UdsTransport;
import io.daxtier.pluginregistration.InfoRequest;
import io.daxtier.pluginregistration.PluginInfo;
import io.daxtier.pluginregistration.RegistrationGrpc;
import io.daxtier.pluginregistration.RegistrationStatus;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The kubelet as far as a DRA plugin can tell: its plugin watcher finds the registration socket in
 * {@code plugins_registry/}, asks GetInfo, picks a DRAPlugin version it speaks from the advertised
 * ones, dials the endpoint, reports the registration's outcome, and then calls prepare, unprepare
 * and the health stream (v1alpha1, as the kubelets of 1.34 and 1.35 do).
 *
 * <p>Version switch: {@link #speaking(String...)} limits the DRAPlugin versions it knows (a 1.33
 * kubelet knows only {@code v1beta1.DRAPlugin}).
 */
final class FakeDraKubelet implements AutoCloseable {
  /** The DRAPlugin versions a 1.34+ kubelet speaks, preferred first. */
  static final List<String> KUBELET_VERSIONS = List.of("v1.DRAPlugin", "v1beta1.DRAPlugin");

  private final Path kubeletDir;
  private final UdsTransport transport = new UdsTransport("fake-dra-kubelet");
  private final List<ManagedChannel> channels = new ArrayList<>();
  private List<String> speaks = KUBELET_VERSIONS;
  private PluginInfo info;
  private String chosen;
  private ManagedChannel plugin;

  FakeDraKubelet(Path kubeletDir) {
    this.kubeletDir = kubeletDir;
  }

  FakeDraKubelet speaking(String... versions) {
    speaks = List.of(versions);
    return this;
  }

  /** The sockets in plugins_registry/, as the plugin watcher would find them. */
  List<Path> registrySockets() throws Exception {
    Path dir = kubeletDir.resolve("plugins_registry");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".sock")).sorted().toList();
    }
  }

  /** Registers the one plugin found in plugins_registry/; returns what it advertised. */
  PluginInfo register() throws Exception {
    List<Path> sockets = registrySockets();
    if (sockets.size() != 1) {
      throw new IllegalStateException("expected one registration socket, found " + sockets);
    }
    ManagedChannel reg = channel(sockets.get(0));
    var stub = RegistrationGrpc.newBlockingStub(reg).withDeadlineAfter(5, TimeUnit.SECONDS);
    info = stub.getInfo(InfoRequest.getDefaultInstance());
    String error = "";
    chosen =
        speaks.stream().filter(info.getSupportedVersionsList()::contains).findFirst().orElse(null);
    if (!"DRAPlugin".equals(info.getType())) {
      error = "unknown plugin type " + info.getType();
    } else if (chosen == null) {
      error = "none of the versions " + info.getSupportedVersionsList() + " is supported";
    } else {
      plugin = channel(Path.of(info.getEndpoint()));
    }
    stub.notifyRegistrationStatus(
        RegistrationStatus.newBuilder()
            .setPluginRegistered(error.isEmpty())
            .setError(error)
            .build());
    return info;
  }

  /** The DRAPlugin version chosen at registration. */
  String chosenVersion() {
    return chosen;
  }

  /** NodePrepareResources on the chosen version; the per-claim answers by uid. */
  Map<String, Prepared> prepare(ClaimRef... claims) {
    requireRegistered();
    Map<String, Prepared> out = new LinkedHashMap<>();
    if (chosen.equals("v1.DRAPlugin")) {
      var req = NodePrepareResourcesRequest.newBuilder();
      for (ClaimRef c : claims) {
        req.addClaims(claimV1(c));
      }
      var resp =
          DRAPluginGrpc.newBlockingStub(plugin)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .nodePrepareResources(req.build());
      for (Map.Entry<String, NodePrepareResourceResponse> e : resp.getClaimsMap().entrySet()) {
        List<Prepared.Device> devices = new ArrayList<>();
        e.getValue()
            .getDevicesList()
            .forEach(
                d ->
                    devices.add(
                        new Prepared.Device(
                            d.getRequestNamesList(),
                            d.getPoolName(),
                            d.getDeviceName(),
                            d.getCdiDeviceIdsList())));
        out.put(e.getKey(), new Prepared(devices, e.getValue().getError()));
      }
    } else {
      var req = io.daxtier.dra.v1beta1.NodePrepareResourcesRequest.newBuilder();
      for (ClaimRef c : claims) {
        req.addClaims(
            io.daxtier.dra.v1beta1.Claim.newBuilder()
                .setNamespace(c.namespace())
                .setName(c.name())
                .setUid(c.uid()));
      }
      var resp =
          io.daxtier.dra.v1beta1.DRAPluginGrpc.newBlockingStub(plugin)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .nodePrepareResources(req.build());
      resp.getClaimsMap()
          .forEach(
              (uid, r) -> {
                List<Prepared.Device> devices = new ArrayList<>();
                r.getDevicesList()
                    .forEach(
                        d ->
                            devices.add(
                                new Prepared.Device(
                                    d.getRequestNamesList(),
                                    d.getPoolName(),
                                    d.getDeviceName(),
                                    d.getCdiDeviceIdsList())));
                out.put(uid, new Prepared(devices, r.getError()));
              });
    }
    return out;
  }

  /** NodeUnprepareResources (v1): the per-claim errors by uid, empty when it succeeded. */
  Map<String, String> unprepare(ClaimRef... claims) {
    requireRegistered();
    var req = NodeUnprepareResourcesRequest.newBuilder();
    for (ClaimRef c : claims) {
      req.addClaims(claimV1(c));
    }
    Map<String, String> out = new LinkedHashMap<>();
    DRAPluginGrpc.newBlockingStub(plugin)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .nodeUnprepareResources(req.build())
        .getClaimsMap()
        .forEach((uid, r) -> out.put(uid, r.getError()));
    return out;
  }

  /** Opens the health stream (v1alpha1.DRAResourceHealth) and queues what arrives. */
  BlockingQueue<NodeWatchResourcesResponse> watchHealth() {
    requireRegistered();
    BlockingQueue<NodeWatchResourcesResponse> q = new LinkedBlockingQueue<>();
    DRAResourceHealthGrpc.newStub(plugin)
        .nodeWatchResources(
            NodeWatchResourcesRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(NodeWatchResourcesResponse value) {
                q.add(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    return q;
  }

  /** Opens the v1 health stream (the kubelets after 1.35). */
  BlockingQueue<io.daxtier.dra.health.v1.NodeWatchResourcesResponse> watchHealthV1() {
    requireRegistered();
    BlockingQueue<io.daxtier.dra.health.v1.NodeWatchResourcesResponse> q =
        new LinkedBlockingQueue<>();
    io.daxtier.dra.health.v1.DRAResourceHealthGrpc.newStub(plugin)
        .nodeWatchResources(
            io.daxtier.dra.health.v1.NodeWatchResourcesRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(io.daxtier.dra.health.v1.NodeWatchResourcesResponse value) {
                q.add(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    return q;
  }

  private static Claim claimV1(ClaimRef c) {
    return Claim.newBuilder().setNamespace(c.namespace()).setName(c.name()).setUid(c.uid()).build();
  }

  private void requireRegistered() {
    if (plugin == null) {
      throw new IllegalStateException("not registered");
    }
  }

  private ManagedChannel channel(Path socket) {
    ManagedChannel c = transport.connect(socket);
    channels.add(c);
    return c;
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    transport.close();
  }

  /** One claim's answer to NodePrepareResources. */
  record Prepared(List<Device> devices, String error) {
    record Device(List<String> requests, String pool, String device, List<String> cdiIds) {}

    boolean failed() {
      return !error.isEmpty();
    }
  }
}
