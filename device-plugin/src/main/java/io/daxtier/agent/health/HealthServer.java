package io.daxtier.agent.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** {@code /healthz}, {@code /readyz} and {@code /metrics} on the JDK HTTP server. */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  public HealthServer(int port, AgentMetrics metrics, BooleanSupplier live, BooleanSupplier ready)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", probe(live, "ok\n", "stale\n"));
    server.createContext("/readyz", probe(ready, "ready\n", "not ready\n"));
    server.createContext(
        "/metrics",
        ex -> reply(ex, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
  }

  /** A probe endpoint: 200 with {@code up} while {@code check} holds, 503 with {@code down}. */
  private static HttpHandler probe(BooleanSupplier check, String up, String down) {
    return ex -> {
      boolean ok = check.getAsBoolean();
      reply(ex, ok ? 200 : 503, ok ? up : down, "text/plain");
    };
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int code, String body, String type)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
