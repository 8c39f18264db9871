package io.daxtier.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics} over a small non-blocking HTTP/1.x server.
 *
 * <p>One selector thread reads requests and writes responses without ever blocking on a client, so
 * a client that sends half a request, or reads its response slowly, holds no thread: the probes are
 * answered on that thread at once (their checks are cheap). Every connection has a deadline for its
 * whole exchange and is closed when it passes; past {@link #MAX_CONNECTIONS} the oldest connection
 * is dropped for a new one, so idle or slow clients cannot keep a probe out. {@code /metrics} is
 * rendered on its own thread, at most {@link #MAX_PENDING_SCRAPES} waiting, so a slow scrape never
 * delays a probe.
 */
public final class HealthServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);

  /** How long a client has to send its request and read the response. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  static final int MAX_CONNECTIONS = 64;
  static final int MAX_REQUEST_BYTES = 8192;
  static final int MAX_PENDING_SCRAPES = 4;
  private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final ServerSocketChannel listener;
  private final Selector selector;
  private final Supplier<String> metrics;
  private final BooleanSupplier live;
  private final BooleanSupplier ready;
  private final long deadlineNanos;
  private final ExecutorService scrapes;
  private final Thread loop;

  /** Open connections, oldest first (their deadlines in the same order). */
  private final Set<Conn> conns = new LinkedHashSet<>();

  /** Responses rendered off the selector thread, to be written by it. */
  private final Queue<Conn> rendered = new ArrayDeque<>();

  private volatile boolean open = true;

  /** Why the agent is degraded (readiness only); empty when it is not. */
  private volatile Supplier<Optional<String>> degraded = Optional::empty;

  /** Listens on every interface. */
  public HealthServer(int port, AgentMetrics metrics, BooleanSupplier live, BooleanSupplier ready)
      throws IOException {
    this(new InetSocketAddress(port), metrics::scrape, live, ready, DEFAULT_DEADLINE);
  }

  /**
   * Listens on {@code address}; {@code metrics} renders the Prometheus text; each connection is
   * closed {@code deadline} after it was accepted.
   */
  public HealthServer(
      InetSocketAddress address,
      Supplier<String> metrics,
      BooleanSupplier live,
      BooleanSupplier ready,
      Duration deadline)
      throws IOException {
    this.metrics = metrics;
    this.live = live;
    this.ready = ready;
    this.deadlineNanos = deadline.toNanos();
    this.selector = Selector.open();
    this.listener = ServerSocketChannel.open();
    try {
      listener.bind(address, 64);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      listener.close();
      selector.close();
      throw e;
    }
    this.scrapes =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(MAX_PENDING_SCRAPES),
            r -> daemon(r, "daxtier-metrics"));
    this.loop = daemon(this::serve, "daxtier-health");
    loop.start();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Makes {@code /readyz} answer 503 "degraded: <reason>" while {@code reason} has one, e.g. while
   * the API server is unreachable. Liveness is not affected: the agent keeps working then.
   */
  public HealthServer degradedWhen(Supplier<Optional<String>> reason) {
    this.degraded = reason;
    return this;
  }

  public int port() {
    return listener.socket().getLocalPort();
  }

  /** The address actually bound. */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.socket().getLocalSocketAddress();
  }

  /** One client connection and where its exchange stands. */
  private static final class Conn {
    final SocketChannel channel;
    final long deadline;
    final ByteBuffer request = ByteBuffer.allocate(MAX_REQUEST_BYTES);
    SelectionKey key;
    ByteBuffer response;

    Conn(SocketChannel channel, long deadline) {
      this.channel = channel;
      this.deadline = deadline;
    }
  }

  private void serve() {
    while (open) {
      try {
        selector.select(selectTimeout(System.nanoTime()));
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else if (key.attachment() instanceof Conn c) {
            if (key.isReadable()) {
              read(c);
            } else if (key.isWritable()) {
              write(c);
            }
          }
        }
        writeRendered();
        expire(System.nanoTime());
      } catch (IOException | RuntimeException e) {
        if (open) {
          LOG.warn("health endpoint: {}", e.toString());
        }
      }
    }
  }

  /**
   * Milliseconds until the oldest connection's deadline (0 for select means forever: at least 1).
   */
  private long selectTimeout(long now) {
    if (conns.isEmpty()) {
      return 1000;
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(conns.iterator().next().deadline - now);
    return Math.max(1, Math.min(ms + 1, 1000));
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = listener.accept()) != null) {
      if (conns.size() >= MAX_CONNECTIONS) {
        close(conns.iterator().next()); // the oldest: a probe finishes long before it is that
      }
      ch.configureBlocking(false);
      Conn c = new Conn(ch, System.nanoTime() + deadlineNanos);
      c.key = ch.register(selector, SelectionKey.OP_READ, c);
      conns.add(c);
    }
  }

  private void read(Conn c) {
    int n;
    try {
      n = c.channel.read(c.request);
    } catch (IOException e) {
      close(c);
      return;
    }
    if (n < 0) {
      close(c);
      return;
    }
    String head =
        new String(c.request.array(), 0, c.request.position(), StandardCharsets.ISO_8859_1);
    int end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      end = head.indexOf("\n\n");
    }
    if (end < 0) {
      if (!c.request.hasRemaining()) {
        respond(c, 431, "request header too large\n", "text/plain");
      }
      return;
    }
    c.key.interestOps(0);
    route(c, head.substring(0, head.indexOf('\n')).trim());
  }

  private void route(Conn c, String requestLine) {
    String[] parts = requestLine.split(" ");
    if (parts.length < 2) {
      respond(c, 400, "bad request\n", "text/plain");
      return;
    }
    if (!parts[0].equals("GET")) {
      respond(c, 405, "only GET\n", "text/plain");
      return;
    }
    String path = parts[1];
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    switch (path) {
      case "/healthz" -> probe(c, live, "ok\n", "stale\n");
      case "/readyz" -> readiness(c);
      case "/metrics" -> scrape(c);
      default -> respond(c, 404, "not found\n", "text/plain");
    }
  }

  private void probe(Conn c, BooleanSupplier check, String up, String down) {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    respond(c, ok ? 200 : 503, ok ? up : down, "text/plain");
  }

  private void readiness(Conn c) {
    Optional<String> why;
    try {
      why = degraded.get();
    } catch (RuntimeException e) {
      why = Optional.of(e.toString());
    }
    if (why.isPresent()) {
      respond(c, 503, "degraded: " + why.get() + "\n", "text/plain");
    } else {
      probe(c, ready, "ready\n", "not ready\n");
    }
  }

  private void scrape(Conn c) {
    try {
      scrapes.execute(
          () -> {
            ByteBuffer r;
            try {
              r = response(200, metrics.get(), METRICS_TYPE);
            } catch (RuntimeException e) {
              r = response(500, "metrics failed: " + e + "\n", "text/plain");
            }
            synchronized (rendered) {
              c.response = r;
              rendered.add(c);
            }
            selector.wakeup();
          });
    } catch (RejectedExecutionException e) {
      respond(c, 503, "metrics busy\n", "text/plain");
    }
  }

  private void writeRendered() {
    synchronized (rendered) {
      for (Conn c; (c = rendered.poll()) != null; ) {
        if (conns.contains(c)) {
          startWriting(c);
        }
      }
    }
  }

  private void respond(Conn c, int status, String body, String type) {
    c.response = response(status, body, type);
    startWriting(c);
  }

  private void startWriting(Conn c) {
    if (!c.key.isValid()) {
      return;
    }
    c.key.interestOps(SelectionKey.OP_WRITE);
    write(c);
  }

  private void write(Conn c) {
    try {
      c.channel.write(c.response);
    } catch (IOException e) {
      close(c);
      return;
    }
    if (!c.response.hasRemaining()) {
      close(c);
    }
  }

  static ByteBuffer response(int status, String body, String type) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + reason(status)
            + "\r\nContent-Type: "
            + type
            + "\r\nContent-Length: "
            + b.length
            + "\r\nConnection: close\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    return ByteBuffer.allocate(h.length + b.length).put(h).put(b).flip();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private void expire(long now) {
    for (Iterator<Conn> it = conns.iterator(); it.hasNext(); ) {
      Conn c = it.next();
      if (c.deadline - now > 0) {
        break; // oldest first: the rest are younger
      }
      it.remove();
      closeChannel(c);
    }
  }

  private void close(Conn c) {
    conns.remove(c);
    closeChannel(c);
  }

  private static void closeChannel(Conn c) {
    try {
      c.channel.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {
    open = false;
    selector.wakeup();
    try {
      loop.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scrapes.shutdownNow();
    conns.forEach(HealthServer::closeChannel);
    try {
      listener.close();
      selector.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
