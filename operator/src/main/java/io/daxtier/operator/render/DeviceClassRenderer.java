package io.daxtier.operator.render;

import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClassBuilder;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceSelectorBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The DeviceClass a DRA pool needs (pure): named {@code <pool>.memory.daxtier.io}, selecting the
 * driver's devices whose {@code pool} attribute is the pool, with the pool's resource name as
 * {@code extendedResourceName} (KEP-5004: a pod asking for {@code daxtier.io/pmem: 2} is served
 * from the class), labelled as ours and owned by the pool (garbage-collected with it).
 */
public final class DeviceClassRenderer {
  /** Label on every DeviceClass the operator keeps: what its informer watches. */
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

  /** Value of {@link #LABEL_MANAGED_BY}. */
  public static final String MANAGED_BY = "daxtier-operator";

  /** Label naming the pool a DeviceClass belongs to. */
  public static final String LABEL_POOL = Api.GROUP + "/pool";

  private static final String SUFFIX = "." + Api.DRA_DRIVER;
  private static final int MAX_NAME = 253;
  private static final int HASH = 10;

  private DeviceClassRenderer() {}

  /**
   * The class name of {@code pool}: {@code <pool>.memory.daxtier.io}. A pool name too long for that
   * (over 235 characters) is cut and suffixed with a hash of the whole name, so the name stays a
   * valid, unique and stable DNS subdomain.
   */
  public static String name(String pool) {
    if (pool.length() + SUFFIX.length() <= MAX_NAME) {
      return pool + SUFFIX;
    }
    String hash = sha256Hex(pool).substring(0, HASH);
    String head = pool.substring(0, MAX_NAME - SUFFIX.length() - HASH - 1);
    head = head.replaceAll("[^a-z0-9]+$", "");
    return head + "-" + hash + SUFFIX;
  }

  /** The CEL expression selecting the pool's devices. */
  public static String selector(String pool) {
    return "device.driver == \""
        + Api.DRA_DRIVER
        + "\" && device.attributes[\""
        + Api.DRA_DRIVER
        + "\"]."
        + Api.DRA_ATTR_POOL
        + " == \""
        + pool
        + "\"";
  }

  /** Whether {@code pool} hands its memory out through DRA (its defaults applied). */
  public static boolean isDra(PmemPool pool) {
    return pool.getSpec() != null
        && PoolDefaults.apply(pool.getSpec()).resource.api == ResourceApi.DRA;
  }

  /**
   * The DeviceClass {@code pool} needs, or empty when it needs none (a device-plugin pool, or a
   * pool being deleted: no new claim should be allocated from it).
   */
  public static Optional<DeviceClass> desired(PmemPool pool) {
    if (!isDra(pool) || pool.isMarkedForDeletion()) {
      return Optional.empty();
    }
    String poolName = pool.getMetadata().getName();
    return Optional.of(
        new DeviceClassBuilder()
            .withMetadata(
                new ObjectMetaBuilder()
                    .withName(name(poolName))
                    .withLabels(Map.of(LABEL_MANAGED_BY, MANAGED_BY, LABEL_POOL, label(poolName)))
                    .withOwnerReferences(
                        new OwnerReferenceBuilder()
                            .withApiVersion(Api.API_VERSION)
                            .withKind("PmemPool")
                            .withName(poolName)
                            .withUid(pool.getMetadata().getUid())
                            .withController(true)
                            .build())
                    .build())
            .withNewSpec()
            .withSelectors(
                new DeviceSelectorBuilder()
                    .withNewCel()
                    .withExpression(selector(poolName))
                    .endCel()
                    .build())
            .withExtendedResourceName(PoolDefaults.apply(pool.getSpec()).resource.name)
            .endSpec()
            .build());
  }

  /**
   * Whether {@code current} already is {@code desired} in everything the operator decides: spec,
   * our labels and the owner reference (other labels, annotations and fields someone else set are
   * kept and not compared).
   */
  public static boolean same(DeviceClass current, DeviceClass desired) {
    Map<String, String> labels = current.getMetadata().getLabels();
    return Objects.equals(current.getSpec(), desired.getSpec())
        && labels != null
        && desired.getMetadata().getLabels().entrySet().stream()
            .allMatch(e -> e.getValue().equals(labels.get(e.getKey())))
        && Objects.equals(
            current.getMetadata().getOwnerReferences(), desired.getMetadata().getOwnerReferences());
  }

  /** Whether {@code dc} is one the operator keeps for {@code pool}. */
  public static boolean ownedBy(DeviceClass dc, PmemPool pool) {
    return dc.getMetadata().getOwnerReferences() != null
        && dc.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Objects.equals(o.getUid(), pool.getMetadata().getUid()));
  }

  /** A label value for a pool name (at most 63 characters; longer names are cut and hashed). */
  static String label(String pool) {
    if (pool.length() <= 63) {
      return pool;
    }
    String head = pool.substring(0, 63 - HASH - 1).replaceAll("[^a-z0-9]+$", "");
    return head + "-" + sha256Hex(pool).substring(0, HASH);
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
