package io.daxtier.agent.dra;

import io.daxtier.pluginregistration.InfoRequest;
import io.daxtier.pluginregistration.PluginInfo;
import io.daxtier.pluginregistration.RegistrationGrpc;
import io.daxtier.pluginregistration.RegistrationStatus;
import io.daxtier.pluginregistration.RegistrationStatusResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin-watcher side of registration: the kubelet finds the socket in {@code
 * plugins_registry/}, asks {@code GetInfo} (a DRAPlugin named after the driver, its DRA socket and
 * the DRAPlugin versions served there) and reports the outcome through {@code
 * NotifyRegistrationStatus}.
 */
final class DraRegistration extends RegistrationGrpc.RegistrationImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(DraRegistration.class);

  /** The plugin type the kubelet's plugin manager routes to its DRA handler. */
  static final String PLUGIN_TYPE = "DRAPlugin";

  /** The DRAPlugin services on the endpoint, newest first (the kubelet picks one it speaks). */
  static final List<String> SUPPORTED_VERSIONS = List.of("v1.DRAPlugin", "v1beta1.DRAPlugin");

  /** The last status the kubelet sent: registered, or why not. */
  record Status(boolean registered, String error) {}

  private final PluginInfo info;
  private final AtomicReference<Status> last = new AtomicReference<>();

  DraRegistration(Path endpoint) {
    this.info =
        PluginInfo.newBuilder()
            .setType(PLUGIN_TYPE)
            .setName(DraNames.DRIVER)
            .setEndpoint(endpoint.toString())
            .addAllSupportedVersions(SUPPORTED_VERSIONS)
            .build();
  }

  Optional<Status> lastStatus() {
    return Optional.ofNullable(last.get());
  }

  @Override
  public void getInfo(InfoRequest request, StreamObserver<PluginInfo> out) {
    out.onNext(info);
    out.onCompleted();
  }

  @Override
  public void notifyRegistrationStatus(
      RegistrationStatus status, StreamObserver<RegistrationStatusResponse> out) {
    last.set(new Status(status.getPluginRegistered(), status.getError()));
    if (status.getPluginRegistered()) {
      LOG.info("kubelet registered DRA driver {} at {}", DraNames.DRIVER, info.getEndpoint());
    } else {
      LOG.error(
          "kubelet refused to register DRA driver {}: {}", DraNames.DRIVER, status.getError());
    }
    out.onNext(RegistrationStatusResponse.getDefaultInstance());
    out.onCompleted();
  }
}
