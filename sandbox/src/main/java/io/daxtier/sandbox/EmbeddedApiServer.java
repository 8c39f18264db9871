package io.daxtier.sandbox;

import io.daxtier.api.v1alpha1.CrdValidator;
import io.daxtier.testkit.mock.PodsByNodeDispatcher;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes API in this JVM: Fabric8's mock server in CRUD mode with the daxtier CRDs created,
 * plus the discovery documents kubectl needs, so {@code kubectl --kubeconfig ...} works against it.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  private static final List<String> CRDS =
      List.of("pmempools.daxtier.io-v1.yml", "pmemnodes.daxtier.io-v1.yml");

  private final KubernetesMockServer server;
  private final DiscoveryDispatcher dispatcher;
  private final KubernetesClient client;

  private final KubectlFront front;

  private EmbeddedApiServer(
      KubernetesMockServer server, DiscoveryDispatcher dispatcher, KubectlFront front) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.front = front;
    this.client = server.createClient();
  }

  /** Starts on loopback; port 0 picks a free one (the port kubectl uses, see {@link #url()}). */
  public static EmbeddedApiServer start(int port) {
    Map<String, TableRenderer> tables = new HashMap<>();
    Admission admission = new Admission();
    List<CustomResourceDefinition> crds = loadCrds();
    for (CustomResourceDefinition crd : crds) {
      admission.register(
          crd.getSpec().getNames().getPlural(),
          crd.getSpec().getNames().getKind(),
          CrdValidator.forCrd(crd.getMetadata().getName()));
      tables.put(
          crd.getSpec().getNames().getPlural(),
          new TableRenderer(
              crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns(), Clock.systemUTC()));
    }
    DiscoveryDispatcher dispatcher =
        new DiscoveryDispatcher(
            tables,
            admission,
            Map.of(
                "/openapi/v3",
                OpenApi.index(),
                OpenApi.GROUP_VERSION_PATH,
                OpenApi.groupVersion(crds),
                OpenApi.CORE_PATH,
                OpenApi.core(),
                OpenApiV2.PATH,
                OpenApiV2.of(crds)));
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            dispatcher,
            false,
            new VersionInfo.Builder()
                .withMajor("1")
                .withMinor("31")
                .withGitVersion("v1.31.0-daxtier-sandbox")
                .build());
    PodsByNodeDispatcher.allowLeases(server);
    server.init(InetAddress.getLoopbackAddress(), 0);
    KubectlFront front;
    try {
      front =
          new KubectlFront(
              port,
              "http://"
                  + InetAddress.getLoopbackAddress().getHostAddress()
                  + ":"
                  + server.getPort(),
              dispatcher.watches,
              dispatcher::tableOf);
    } catch (IOException e) {
      server.destroy();
      throw new UncheckedIOException(e);
    }
    EmbeddedApiServer api = new EmbeddedApiServer(server, dispatcher, front);
    api.createCrds();
    return api;
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * The server's base URL for kubectl, e.g. {@code http://127.0.0.1:41234}: the {@link
   * KubectlFront}, which streams watches over HTTP and passes everything else to the mock. In-JVM
   * clients ({@link #client()}) talk to the mock directly.
   */
  public String url() {
    return front.url();
  }

  /**
   * The mock's own URL, for Fabric8 clients in other processes (an operator or agent under a
   * bench): the mock serves their WebSocket watches itself, where {@link KubectlFront} would make
   * them fall back to HTTP watches through the front; kubectl uses {@link #url()}.
   */
  public String clientUrl() {
    return server.url("/").replaceAll("/$", "");
  }

  /** Writes a kubeconfig for kubectl, pointing at {@link #url()}. */
  public Path writeKubeconfig(Path file) throws IOException {
    return writeKubeconfig(file, url());
  }

  /**
   * Writes a kubeconfig pointing at {@code server} ({@link #url()} for kubectl, {@link
   * #clientUrl()} for Fabric8 clients); no credentials: the mock accepts anyone.
   */
  public Path writeKubeconfig(Path file, String serverUrl) throws IOException {
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: daxtier-sandbox
          cluster:
            server: %s
        contexts:
        - name: daxtier-sandbox
          context:
            cluster: daxtier-sandbox
            user: sandbox
        current-context: daxtier-sandbox
        users:
        - name: sandbox
          user: {}
        """
            .formatted(serverUrl);
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    return Files.writeString(file, kubeconfig);
  }

  private void createCrds() {
    loadCrds().forEach(crd -> client.resource(crd).create());
  }

  private static List<CustomResourceDefinition> loadCrds() {
    KubernetesSerialization yaml = new KubernetesSerialization();
    return CRDS.stream()
        .map(
            name -> {
              try (InputStream in =
                  EmbeddedApiServer.class.getResourceAsStream("/META-INF/fabric8/" + name)) {
                if (in == null) {
                  throw new IllegalStateException("CRD missing from the classpath: " + name);
                }
                return yaml.unmarshal(in, CustomResourceDefinition.class);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .toList();
  }

  /** The mock server, for tests and benchmarks that count the requests it received. */
  KubernetesMockServer mockServer() {
    return server;
  }

  /** Whether the store's name index still follows the store (see {@link IndexedCrudDispatcher}). */
  boolean storeIndexed() {
    return dispatcher.indexed();
  }

  /** What the CRDs define, for discovery. */
  List<CustomResourceDefinition> crds() {
    return client.apiextensions().v1().customResourceDefinitions().list().getItems();
  }

  @Override
  public void close() {
    client.close();
    front.close();
    server.destroy();
  }
}
