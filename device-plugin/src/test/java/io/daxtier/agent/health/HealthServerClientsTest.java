package io.daxtier.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slow, idle and numerous clients, and a slow scrape, never keep the probes from answering. */
class HealthServerClientsTest {
  static final Duration PROBE_BOUND = Duration.ofSeconds(2);
  final List<Socket> clients = new ArrayList<>();

  @AfterEach
  void closeClients() throws IOException {
    for (Socket s : clients) {
      s.close();
    }
  }

  static HealthServer server(Duration deadline) throws IOException {
    return server(() -> "metric 1\n", deadline);
  }

  static HealthServer server(java.util.function.Supplier<String> metrics, Duration deadline)
      throws IOException {
    return new HealthServer(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        metrics,
        () -> true,
        () -> true,
        deadline);
  }

  /** A client that sent only the start of a request line and then nothing. */
  Socket halfARequest(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    clients.add(s);
    s.getOutputStream().write("GET /heal".getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  /** The response to a GET, read within {@code within} (a read timeout fails the test). */
  static String get(int port, String path, Duration within) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) within.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static void assertAnswersWithin(int port, String path, String status) throws IOException {
    long start = System.nanoTime();
    String r = get(port, path, PROBE_BOUND);
    assertThat(r).startsWith("HTTP/1.1 " + status);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROBE_BOUND);
  }

  @Test
  void halfARequestDoesNotBlockTheProbes() throws Exception {
    try (HealthServer s = server(HealthServer.DEFAULT_DEADLINE)) {
      halfARequest(s.port());
      Thread.sleep(200); // the half request is read and waiting before the probe arrives
      assertAnswersWithin(s.port(), "/healthz", "200");
      assertAnswersWithin(s.port(), "/readyz", "200");
    }
  }

  @Test
  void moreSlowClientsThanConnectionsCannotKeepAProbeOut() throws Exception {
    try (HealthServer s = server(HealthServer.DEFAULT_DEADLINE)) {
      for (int i = 0; i < HealthServer.MAX_CONNECTIONS + 20; i++) {
        halfARequest(s.port());
      }
      assertAnswersWithin(s.port(), "/healthz", "200");
    }
  }

  @Test
  void aSlowClientIsCutOffAtTheDeadline() throws Exception {
    try (HealthServer s = server(Duration.ofMillis(500))) {
      Socket slow = halfARequest(s.port());
      slow.setSoTimeout(5000);
      long start = System.nanoTime();
      InputStream in = slow.getInputStream();
      assertThat(in.read()).isEqualTo(-1); // closed by the server, nothing answered
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void aSlowScrapeDoesNotDelayTheProbes() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (HealthServer s =
        server(
            () -> {
              try {
                release.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return "slow_metric 1\n";
            },
            HealthServer.DEFAULT_DEADLINE)) {
      CompletableFuture<String> scrape =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return get(s.port(), "/metrics", Duration.ofSeconds(10));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      Thread.sleep(200);
      assertAnswersWithin(s.port(), "/healthz", "200");
      assertThat(scrape).isNotDone();
      release.countDown();
      assertThat(scrape.get(5, TimeUnit.SECONDS))
          .startsWith("HTTP/1.1 200")
          .endsWith("slow_metric 1\n");
    }
  }

  @Test
  void unknownPathsAndMethods() throws Exception {
    try (HealthServer s = server(HealthServer.DEFAULT_DEADLINE)) {
      assertThat(get(s.port(), "/nope", PROBE_BOUND)).startsWith("HTTP/1.1 404");
      assertThat(get(s.port(), "/healthz?verbose", PROBE_BOUND)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void bindsTheAddressItIsGiven() throws Exception {
    try (HealthServer s = server(HealthServer.DEFAULT_DEADLINE)) {
      assertThat(s.address().getAddress().isLoopbackAddress()).isTrue();
    }
  }
}
