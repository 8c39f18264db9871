package io.daxtier.kubelet;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.UnpooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gRPC over Unix domain sockets on one small epoll event loop, shared by every server and client
 * that uses this transport and created on first use. Handlers run on the event loop (they are short
 * and never block), so serving adds no thread pool.
 *
 * <p>Buffers are unpooled: the kubelet exchanges a few small messages a minute, so gRPC's pooled
 * allocator (a 2 MiB arena chunk plus per-thread caches, several MiB resident) costs far more
 * memory than it saves time.
 */
public final class UdsTransport implements AutoCloseable {
  /** {@code sizeof(sockaddr_un.sun_path)} minus the terminating NUL. */
  public static final int MAX_SOCKET_PATH_BYTES = 107;

  /** Direct where the platform allows it (epoll writes need direct memory), never pooled. */
  private static final ByteBufAllocator BUFFERS = UnpooledByteBufAllocator.DEFAULT;

  private final String threadName;
  private EventLoopGroup group;
  private boolean closed;

  /** A transport whose event loop thread is called {@code threadName}. */
  public UdsTransport(String threadName) {
    this.threadName = threadName;
  }

  /** Binds {@code socket} (which must not exist) and serves the service on it. */
  public Server serve(Path socket, BindableService service) throws IOException {
    return serve(socket, List.of(service));
  }

  /** Binds {@code socket} (which must not exist) and serves all the services on it. */
  public Server serve(Path socket, List<BindableService> services) throws IOException {
    checkLength(socket);
    EventLoopGroup loop = group();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(loop)
            .workerEventLoopGroup(loop)
            .withOption(ChannelOption.ALLOCATOR, BUFFERS)
            .withChildOption(ChannelOption.ALLOCATOR, BUFFERS)
            .directExecutor();
    services.forEach(builder::addService);
    return builder.build().start();
  }

  /** A plaintext channel to the server listening on {@code socket}. */
  public ManagedChannel connect(Path socket) {
    checkLength(socket);
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(group())
        .withOption(ChannelOption.ALLOCATOR, BUFFERS)
        .directExecutor()
        .usePlaintext()
        .build();
  }

  private static void checkLength(Path socket) {
    int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_SOCKET_PATH_BYTES) {
      throw new IllegalArgumentException(
          "socket path is "
              + bytes
              + " bytes, more than the "
              + MAX_SOCKET_PATH_BYTES
              + " a Unix socket address holds: "
              + socket);
    }
  }

  private synchronized EventLoopGroup group() {
    if (closed) {
      throw new IllegalStateException("transport closed");
    }
    if (group == null) {
      if (!Epoll.isAvailable()) {
        throw new IllegalStateException(
            "epoll transport unavailable (Linux x86_64/aarch64 only)", Epoll.unavailabilityCause());
      }
      group =
          new MultiThreadIoEventLoopGroup(
              1, new DefaultThreadFactory(threadName, true), EpollIoHandler.newFactory());
    }
    return group;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
      group = null;
    }
  }
}
