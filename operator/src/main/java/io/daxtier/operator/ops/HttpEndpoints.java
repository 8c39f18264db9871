package io.daxtier.operator.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** {@code /healthz} (liveness), {@code /readyz} (readiness) and {@code /metrics} (Prometheus). */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  private HttpEndpoints(HttpServer server) {
    this.server = server;
  }

  /** Serves on {@code port} (0 = any free port). */
  public static HttpEndpoints start(
      int port, PrometheusMeterRegistry registry, BooleanSupplier alive, BooleanSupplier ready) {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress(port), 16);
      s.createContext("/healthz", ex -> answer(ex, alive.getAsBoolean()));
      s.createContext("/readyz", ex -> answer(ex, ready.getAsBoolean()));
      s.createContext(
          "/metrics",
          ex ->
              send(
                  ex,
                  200,
                  "text/plain; version=0.0.4; charset=utf-8",
                  registry.scrape().getBytes(StandardCharsets.UTF_8)));
      s.setExecutor(Executors.newSingleThreadExecutor(r -> daemon(r)));
      s.start();
      return new HttpEndpoints(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve health/metrics on port " + port, e);
    }
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "daxtier-http");
    t.setDaemon(true);
    return t;
  }

  private static void answer(HttpExchange ex, boolean ok) throws IOException {
    send(
        ex,
        ok ? 200 : 503,
        "text/plain; charset=utf-8",
        (ok ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }
}
