package io.daxtier.operator.reconcile;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.operator.cluster.DeviceClassWriter;
import io.daxtier.operator.render.DeviceClassOutcome;
import io.daxtier.operator.render.DeviceClassRenderer;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The pool controller's DeviceClass step: brings a pool's DeviceClass to what {@link
 * DeviceClassRenderer} wants (create, update, delete; nothing when it already is) and says what
 * became of it. The current classes come from an informer over the classes the operator labels as
 * its own, which exists only when the API server serves resource.k8s.io/v1 (looked up once at
 * start): on an older cluster DRA pools are reported {@code DRAUnavailable} and device-plugin pools
 * are untouched.
 */
public final class DeviceClassSync {
  private final DeviceClassWriter writer;
  private final boolean served;
  private final Set<String> taken = ConcurrentHashMap.newKeySet();
  private volatile InformerEventSource<DeviceClass, PmemPool> classes;

  /**
   * @param writer the writes
   * @param served whether the API server serves resource.k8s.io/v1 DeviceClasses
   */
  public DeviceClassSync(DeviceClassWriter writer, boolean served) {
    this.writer = writer;
    this.served = served;
  }

  /** A step for a server without resource.k8s.io/v1 and no writer (tests of other steps). */
  public static DeviceClassSync unserved() {
    return new DeviceClassSync(null, false);
  }

  /** Whether DeviceClasses are served (and so watched and written). */
  public boolean served() {
    return served;
  }

  /** The informer over our DeviceClasses (a class's event reconciles its pool), if served. */
  Optional<InformerEventSource<DeviceClass, PmemPool>> eventSource(
      EventSourceContext<PmemPool> ctx) {
    if (!served) {
      return Optional.empty();
    }
    classes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(DeviceClass.class, PmemPool.class)
                .withName("deviceclasses")
                .withLabelSelector(
                    DeviceClassRenderer.LABEL_MANAGED_BY + "=" + DeviceClassRenderer.MANAGED_BY)
                .withSecondaryToPrimaryMapper(
                    dc ->
                        dc.getMetadata().getOwnerReferences().stream()
                            .filter(o -> "PmemPool".equals(o.getKind()))
                            .map(OwnerReference::getName)
                            .map(ResourceID::new)
                            .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(
                    (PmemPool pool) -> Set.of(new ResourceID(DeviceClassRenderer.name(name(pool)))))
                .build(),
            ctx);
    return Optional.of(classes);
  }

  /** Brings {@code pool}'s DeviceClass to what it should be; what became of it. */
  DeviceClassOutcome sync(PmemPool pool) {
    String name = DeviceClassRenderer.name(name(pool));
    boolean dra = DeviceClassRenderer.isDra(pool);
    if (!served) {
      return dra && !pool.isMarkedForDeletion()
          ? new DeviceClassOutcome.Unavailable(name)
          : new DeviceClassOutcome.None();
    }
    Optional<DeviceClass> desired = DeviceClassRenderer.desired(pool);
    Optional<DeviceClass> current = classes.get(new ResourceID(name));
    try {
      if (desired.isEmpty()) {
        taken.remove(name);
        current.filter(dc -> DeviceClassRenderer.ownedBy(dc, pool)).ifPresent(writer::delete);
        return new DeviceClassOutcome.None();
      }
      DeviceClass want = desired.get();
      if (current.isEmpty()) {
        Optional<DeviceClass> created =
            taken.contains(name) ? Optional.empty() : writer.create(want);
        if (created.isPresent()) {
          classes.handleRecentResourceCreate(ResourceID.fromResource(pool), created.get());
          return new DeviceClassOutcome.Ready(name);
        }
        // the name exists: ours, not yet in the cache, or someone else's
        Optional<DeviceClass> there = writer.read(name);
        if (there.isEmpty()) { // gone meanwhile
          taken.remove(name);
          created = writer.create(want);
          created.ifPresent(
              c -> classes.handleRecentResourceCreate(ResourceID.fromResource(pool), c));
          return created.isPresent()
              ? new DeviceClassOutcome.Ready(name)
              : new DeviceClassOutcome.NameTaken(name);
        }
        if (!ours(there.get())) {
          taken.add(name);
          return new DeviceClassOutcome.NameTaken(name);
        }
        taken.remove(name);
        current = there;
      }
      DeviceClass now = current.get();
      if (!DeviceClassRenderer.same(now, want)) {
        writer
            .update(now, want)
            .ifPresent(
                u -> classes.handleRecentResourceUpdate(ResourceID.fromResource(pool), u, now));
      }
      return new DeviceClassOutcome.Ready(name);
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return new DeviceClassOutcome.Unavailable(name); // the API went away since the start
      }
      throw e;
    }
  }

  private static boolean ours(DeviceClass dc) {
    return dc.getMetadata().getLabels() != null
        && DeviceClassRenderer.MANAGED_BY.equals(
            dc.getMetadata().getLabels().get(DeviceClassRenderer.LABEL_MANAGED_BY));
  }

  private static String name(PmemPool pool) {
    return pool.getMetadata().getName();
  }
}
