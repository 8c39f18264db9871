package io.daxtier.agent.dra;

import io.daxtier.agent.state.NodeState;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the node's DRA devices as ResourceSlices (cluster mode): after every pass it computes
 * the devices ({@link DraDevices}) and, only when they changed, writes the slices ({@link
 * ResourceSlices}): creates and updates with the pool generation bumped, deletes the surplus, and
 * deletes them all when no DRA pool remains. On its first sync it lists the slices already there
 * for its node (by label, then {@code spec.nodeName} and driver) and adopts them when their content
 * is what it would write, so a restarted agent neither duplicates nor rewrites them.
 *
 * <p>API failures are logged and retried on the next pass (the known slices are listed again);
 * nothing is thrown into the agent loop. Writes run on the given executor: inline by default, or
 * its own thread ({@link #inBackground}) so a slow API server never holds up the pass.
 */
public final class SlicePublisher implements Consumer<NodeState>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SlicePublisher.class);

  private final KubernetesClient client;
  private final String nodeName;
  private final ResourceSlices.TaintEffect effect;
  private final Executor executor;
  private final ExecutorService ownExecutor;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Object syncLock = new Object();

  private Set<String> publishedPools = Set.of();
  private volatile List<DraDevice> wanted;
  private volatile List<DraDevice> published;
  private volatile String unreachable;
  // Guarded by syncLock: the node's slices on the server as last seen (null: list them again).
  private Map<String, ResourceSlice> known;
  private long generation;
  private String nodeUid;
  private boolean draAbsentLogged;

  /** A publisher that writes inline, on the thread that calls {@link #accept}. */
  public SlicePublisher(
      KubernetesClient client, String nodeName, ResourceSlices.TaintEffect effect) {
    this(client, nodeName, effect, Runnable::run, null);
  }

  private SlicePublisher(
      KubernetesClient client,
      String nodeName,
      ResourceSlices.TaintEffect effect,
      Executor executor,
      ExecutorService ownExecutor) {
    this.client = Objects.requireNonNull(client, "client");
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    this.effect = Objects.requireNonNull(effect, "effect");
    this.executor = executor;
    this.ownExecutor = ownExecutor;
  }

  /** A publisher that writes on its own daemon thread (closed with {@link #close()}). */
  public static SlicePublisher inBackground(
      KubernetesClient client, String nodeName, ResourceSlices.TaintEffect effect) {
    ExecutorService thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "dra-slices");
              t.setDaemon(true);
              return t;
            });
    return new SlicePublisher(client, nodeName, effect, thread, thread);
  }

  @Override
  public void accept(NodeState state) {
    List<DraDevice> devices;
    synchronized (this) {
      devices = DraDevices.from(state, publishedPools);
      publishedPools = devices.stream().map(DraDevice::pool).collect(Collectors.toSet());
    }
    wanted = devices;
    if (!devices.equals(published) && queued.compareAndSet(false, true)) {
      try {
        executor.execute(this::sync);
      } catch (RuntimeException e) {
        queued.set(false);
        LOG.warn("ResourceSlices not synced: {}", e.toString());
      }
    }
  }

  /**
   * Deletes every slice of the node (the driver leaves the node); returns whether that reached the
   * API server. Later passes publish again.
   */
  public boolean withdraw() {
    synchronized (syncLock) {
      try {
        if (known == null) {
          known = list();
        }
        for (String name : List.copyOf(known.keySet())) {
          slices().withName(name).delete();
          known.remove(name);
          writes.incrementAndGet();
        }
        published = List.of();
        return true;
      } catch (RuntimeException e) {
        failed(e);
        return false;
      }
    }
  }

  /** Writes (create, update, delete) made so far. */
  public long writes() {
    return writes.get();
  }

  /** Syncs that failed so far (each is retried on the next pass). */
  public long failures() {
    return failures.get();
  }

  /** Why the last sync failed; empty once a sync got through. */
  public Optional<String> unreachable() {
    return Optional.ofNullable(unreachable);
  }

  /** The devices of the last pass: what the publisher writes (or has written). */
  public List<DraDevice> wanted() {
    List<DraDevice> w = wanted;
    return w == null ? List.of() : w;
  }

  /** The devices last published (or adopted); null before the first successful sync. */
  public List<DraDevice> published() {
    return published;
  }

  private void sync() {
    queued.set(false);
    synchronized (syncLock) {
      List<DraDevice> devices = wanted;
      if (devices == null || devices.equals(published)) {
        return;
      }
      try {
        publish(devices);
        published = devices;
        if (unreachable != null) {
          LOG.info("ResourceSlices published again");
        }
        unreachable = null;
      } catch (RuntimeException e) {
        failed(e);
      }
    }
  }

  private void failed(RuntimeException e) {
    // Whatever got through, the server's slices are listed afresh on the next pass.
    known = null;
    published = null;
    failures.incrementAndGet();
    String why =
        e instanceof KubernetesClientException k && k.getCode() > 0
            ? "HTTP " + k.getCode()
            : String.valueOf(e.getMessage());
    if (unreachable == null) {
      LOG.warn("ResourceSlices not written ({}); retrying on the next pass", why);
    }
    unreachable = why;
  }

  private void publish(List<DraDevice> devices) {
    if (known == null) {
      known = list();
      generation =
          known.values().stream()
              .mapToLong(s -> s.getSpec().getPool().getGeneration())
              .max()
              .orElse(0);
      nodeUid = nodeUid();
    }
    List<ResourceSlice> desired =
        ResourceSlices.build(nodeName, nodeUid, devices, generation, effect);
    if (same(desired)) {
      return;
    }
    generation++;
    desired = ResourceSlices.build(nodeName, nodeUid, devices, generation, effect);
    Set<String> keep = new HashSet<>();
    for (ResourceSlice s : desired) {
      String name = s.getMetadata().getName();
      keep.add(name);
      ResourceSlice old = known.get(name);
      ResourceSlice stored;
      if (old == null) {
        stored = create(s);
      } else {
        s.getMetadata().setResourceVersion(old.getMetadata().getResourceVersion());
        stored = slices().resource(s).update();
      }
      writes.incrementAndGet();
      known.put(name, stored);
    }
    for (String name : List.copyOf(known.keySet())) {
      if (!keep.contains(name)) {
        slices().withName(name).delete();
        writes.incrementAndGet();
        known.remove(name);
      }
    }
    LOG.info(
        "published {} DRA devices in {} ResourceSlices (pool {} generation {})",
        devices.size(),
        desired.size(),
        nodeName,
        generation);
  }

  /**
   * Creates a slice; if one of that name exists without the labels that find it (written by hand,
   * or by an older agent), it is taken over with an update.
   */
  private ResourceSlice create(ResourceSlice s) {
    try {
      return slices().resource(s).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      ResourceSlice existing = slices().withName(s.getMetadata().getName()).get();
      if (existing == null) {
        throw e;
      }
      s.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      return slices().resource(s).update();
    }
  }

  /** Whether the known slices already say what {@code desired} says (content and generation). */
  private boolean same(List<ResourceSlice> desired) {
    if (desired.size() != known.size()) {
      return false;
    }
    for (ResourceSlice d : desired) {
      ResourceSlice k = known.get(d.getMetadata().getName());
      if (k == null
          || !Objects.equals(content(d), content(k))
          || !Objects.equals(k.getSpec().getPool().getGeneration(), generation)
          || (nodeUid != null && k.getMetadata().getOwnerReferences().isEmpty())) {
        return false;
      }
    }
    return true;
  }

  private static String content(ResourceSlice s) {
    return s.getMetadata().getAnnotations() == null
        ? null
        : s.getMetadata().getAnnotations().get(ResourceSlices.ANNOTATION_CONTENT);
  }

  /**
   * The node's slices of this driver on the server, by name. A cluster that does not serve
   * resource.k8s.io/v1 (404) has none: a node without DRA pools then asks once, not every pass; one
   * with DRA pools fails at its first write and retries (the operator reports the pools
   * DRAUnavailable).
   */
  private Map<String, ResourceSlice> list() {
    Map<String, ResourceSlice> out = new TreeMap<>();
    List<ResourceSlice> items;
    try {
      items = slices().withLabels(ResourceSlices.selector(nodeName)).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      if (!draAbsentLogged) {
        draAbsentLogged = true;
        LOG.info("the API server does not serve resource.k8s.io/v1 ResourceSlices (HTTP 404)");
      }
      return out;
    }
    for (ResourceSlice s : items) {
      if (s.getSpec() != null
          && nodeName.equals(s.getSpec().getNodeName())
          && DraNames.DRIVER.equals(s.getSpec().getDriver())
          && s.getSpec().getPool() != null
          && s.getSpec().getPool().getGeneration() != null) {
        out.put(s.getMetadata().getName(), s);
      }
    }
    return out;
  }

  /** The Node's uid for the owner reference; null when it cannot be read (no reference then). */
  private String nodeUid() {
    try {
      Node n = client.nodes().withName(nodeName).get();
      return n == null ? null : n.getMetadata().getUid();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403 || e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private NonNamespaceOperation<ResourceSlice, ResourceSliceList, Resource<ResourceSlice>>
      slices() {
    return client.dynamicResourceAllocation().v1().resourcesSlices();
  }

  @Override
  public void close() {
    if (ownExecutor != null) {
      ownExecutor.shutdown();
      try {
        ownExecutor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
