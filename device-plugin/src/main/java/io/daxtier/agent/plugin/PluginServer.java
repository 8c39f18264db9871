package io.daxtier.agent.plugin;

import io.daxtier.agent.plugin.allocation.DeviceList;
import io.daxtier.kubelet.UdsTransport;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/** The gRPC server of one resource on its socket in the kubelet's device-plugin directory. */
final class PluginServer {
  private final Path socket;
  private final UdsTransport transport;
  private final DevicePluginService service;
  private Server server;
  private boolean stopping;

  PluginServer(Path socket, DeviceList devices, UdsTransport transport) {
    this.socket = socket;
    this.transport = transport;
    this.service = new DevicePluginService(devices);
  }

  Path socket() {
    return socket;
  }

  DevicePluginService service() {
    return service;
  }

  /** Serves on the socket, replacing a stale socket file of the same name (ours by name). */
  void start() throws IOException {
    if (isSocket(socket)) {
      Files.delete(socket);
    }
    stopping = false;
    server = transport.serve(socket, service);
  }

  /** Stops serving; netty unlinks the socket file when the listener closes. */
  void stop() {
    stopping = true;
    if (server == null) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server = null;
  }

  void restart() throws IOException {
    stop();
    start();
  }

  /** True when the gRPC server is gone although nobody stopped it. */
  boolean diedUnexpectedly() {
    return server != null && !stopping && (server.isShutdown() || server.isTerminated());
  }

  /** True when our socket file is still there (the kubelet deletes it when it restarts). */
  boolean socketPresent() {
    return isSocket(socket);
  }

  private static boolean isSocket(Path p) {
    try {
      // Sockets are neither files, directories nor links: "other".
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .isOther();
    } catch (IOException e) {
      return false;
    }
  }
}
