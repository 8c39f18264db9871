package io.daxtier.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The address kubectl talks to: a small HTTP front before the mock server that streams watches over
 * plain HTTP, as client-go opens them ({@code GET ...?watch=true}, one JSON event per line,
 * chunked), and passes every other request through unchanged. The mock answers watches only over
 * WebSockets (Fabric8's client), so without this {@code kubectl get -w} and {@code kubectl delete}
 * (which waits with a watch on {@code metadata.name}) fail with "the server rejected our request".
 * A watch from a resource version older than the hub keeps ends with a 410 {@code Expired} event.
 * Fabric8 clients pointed here watch over HTTP too (the WebSocket upgrade is refused with the 200
 * on which they fall back); in-JVM Fabric8 clients keep talking to the mock directly.
 */
final class KubectlFront implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern WATCH_PATH =
      Pattern.compile(
          "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([a-z]+)(?:/([^/]+))?$");
  private static final Map<String, String> KINDS =
      Map.of(
          "nodes", "Node",
          "pods", "Pod",
          "events", "Event",
          "namespaces", "Namespace",
          "pmempools", "PmemPool",
          "pmemnodes", "PmemNode",
          "leases", "Lease",
          "customresourcedefinitions", "CustomResourceDefinition");
  private static final Map<String, String> DRA_KINDS =
      Map.of(
          "resourceslices", "ResourceSlice",
          "deviceclasses", "DeviceClass",
          "resourceclaims", "ResourceClaim");
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "host",
          "connection",
          "content-length",
          "transfer-encoding",
          "expect",
          "upgrade",
          "keep-alive",
          "te",
          "trailer",
          "http2-settings");

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient http;
  private final URI backend;
  private final WatchHub hub;
  private final BiFunction<String, Map<String, Object>, Object> tables;

  /**
   * {@code tables}: plural and object to the object's one-row Table, or null when the kind has no
   * renderer.
   */
  KubectlFront(
      int port,
      String backend,
      WatchHub hub,
      BiFunction<String, Map<String, Object>, Object> tables)
      throws IOException {
    this.backend = URI.create(backend);
    this.hub = hub;
    this.tables = tables;
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "kubectl-front");
              t.setDaemon(true);
              return t;
            });
    // HTTP/1.1 to the mock: the JDK client's default (HTTP/2) offers an h2c upgrade on every plain
    // request, which the mock's server may take up; a proxied call then hung in CI (kubectl's
    // discovery timed out after 32 s).
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(java.time.Duration.ofSeconds(10))
            .executor(executor)
            .build();
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://"
        + server.getAddress().getAddress().getHostAddress()
        + ":"
        + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      String full = path + (query == null ? "" : "?" + query);
      String watch = query == null ? null : Admission.param(query, "watch");
      if ("GET".equals(ex.getRequestMethod()) && ("true".equals(watch) || "1".equals(watch))) {
        Matcher m = WATCH_PATH.matcher(path);
        if (m.matches() && kindOf(m.group(3)) != null) {
          if ("websocket".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Upgrade"))) {
            // no WebSockets here: a plain 200 to the upgrade is the answer on which Fabric8's
            // client falls back to watching over HTTP, which the next request does (an h2c
            // upgrade offer, as the JDK client makes, is just ignored)
            ex.sendResponseHeaders(200, -1);
            return;
          }
          watch(ex, m, query);
          return;
        }
      }
      proxy(ex, full);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void proxy(HttpExchange ex, String full) throws IOException, InterruptedException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(backend.resolve(full))
            .method(
                ex.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                values.forEach(v -> request.header(name, v));
              }
            });
    HttpResponse<byte[]> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                values.forEach(v -> ex.getResponseHeaders().add(name, v));
              }
            });
    byte[] out = response.body();
    if (out.length > 0 && response.headers().firstValue("Content-Type").isEmpty()) {
      // the mock's CRUD answers carry no content type; typed client-go clients (kubectl
      // describe's Event list) would otherwise read JSON as protobuf and drop it
      ex.getResponseHeaders().set("Content-Type", "application/json");
    }
    ex.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    }
  }

  private void watch(HttpExchange ex, Matcher m, String query) throws IOException {
    String group = m.group(1) == null ? "" : m.group(1);
    String namespace = m.group(2);
    String plural = m.group(3);
    String name = m.group(4);
    String kind = kindOf(plural);
    String fieldSelector = Admission.param(query, "fieldSelector");
    String labelSelector = Admission.param(query, "labelSelector");
    long fromRv = parseLong(Admission.param(query, "resourceVersion"));
    long timeout = parseLong(Admission.param(query, "timeoutSeconds"));
    String accept = ex.getRequestHeaders().getFirst("Accept");
    boolean table = accept != null && accept.contains("as=Table");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout > 0 ? timeout : 30 * 60);
    BlockingQueue<WatchHub.Event> queue = new LinkedBlockingQueue<>();
    if (!hub.subscribe(fromRv, queue)) {
      expired(ex, fromRv);
      return;
    }
    try {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.getResponseHeaders().set("Cache-Control", "no-cache, private");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.flush();
      while (System.nanoTime() < deadline) {
        WatchHub.Event event = queue.poll(1, TimeUnit.SECONDS);
        if (event == null) {
          continue;
        }
        Map<String, Object> object = event.object();
        if (!kind.equals(object.get("kind"))
            || !group.equals(group(String.valueOf(object.get("apiVersion"))))
            || (namespace != null
                && !namespace.equals(TableRenderer.at(object, ".metadata.namespace")))
            || (name != null && !name.equals(TableRenderer.at(object, ".metadata.name")))
            || !Selectors.fields(fieldSelector, object)
            || !Selectors.labels(labelSelector, object)) {
          continue;
        }
        Object shown = table ? tables.apply(plural, object) : null;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", event.type());
        line.put("object", shown != null ? shown : object);
        out.write(JSON.writeValueAsBytes(line));
        out.write("\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away
    } finally {
      hub.unsubscribe(queue);
    }
  }

  /**
   * A watch from a resource version the hub no longer keeps, answered as the API server answers it:
   * 200, then one {@code ERROR} event carrying a 410 {@code Expired} Status, then the end of the
   * stream. client-go's reflector and Fabric8's informers then list again.
   */
  private void expired(HttpExchange ex, long fromRv) throws IOException {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.put("metadata", Map.of());
    status.put("status", "Failure");
    status.put(
        "message",
        "too old resource version: " + fromRv + " (" + hub.oldestResourceVersion() + ")");
    status.put("reason", "Expired");
    status.put("code", 410);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("type", "ERROR");
    line.put("object", status);
    byte[] body = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.getResponseHeaders().set("Cache-Control", "no-cache, private");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static String kindOf(String plural) {
    return KINDS.getOrDefault(plural, DRA_KINDS.get(plural));
  }

  private static String group(String apiVersion) {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  private static long parseLong(String s) {
    try {
      return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
