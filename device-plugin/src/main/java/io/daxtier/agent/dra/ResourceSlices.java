package io.daxtier.agent.dra;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.daxtier.api.v1alpha1.PoolMode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.CapacityRequestPolicy;
import io.fabric8.kubernetes.api.model.resource.v1.CapacityRequestPolicyRange;
import io.fabric8.kubernetes.api.model.resource.v1.Device;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceAttribute;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceCapacity;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceTaint;
import io.fabric8.kubernetes.api.model.resource.v1.ResourcePool;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSlice;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceSliceSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The node's {@code resource.k8s.io/v1} ResourceSlices for its DRA devices (pure): driver {@link
 * DraNames#DRIVER}, one resource pool named after the node, at most {@value #MAX_DEVICES} devices
 * per slice ({@value #MAX_DEVICES_WITH_TAINTS} in a slice with a tainted device) in name order,
 * slices named {@code <node>-memory-daxtier-io-<n>}.
 *
 * <ul>
 *   <li>SystemRam: {@code allowMultipleAllocations: true} and a consumable capacity {@code memory}
 *       (the healthy online bytes) requested in the pool's units (default = min = step = unit).
 *   <li>DevDax: allocated whole; capacity {@code memory} is the device's size, for information.
 *   <li>A device with poison carries the taint {@link DraNames#TAINT_POISON} (effect {@code
 *       NoSchedule}, or {@code None} to inform only) until it is healthy again.
 * </ul>
 *
 * <p>Every slice carries labels to find the node's slices again and an annotation with a hash of
 * its content, so a restarted agent adopts slices that already say the right thing.
 */
public final class ResourceSlices {
  /** Devices per slice, the API's limit. */
  public static final int MAX_DEVICES = 128;

  /** Devices per slice when any of them has a taint, the API's limit. */
  public static final int MAX_DEVICES_WITH_TAINTS = 64;

  /** Label on every slice the agent writes. */
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

  public static final String MANAGED_BY = "daxtier-agent";

  /** Label naming the slice's node (the node name, or a hash of a name too long for a label). */
  public static final String LABEL_NODE = DraNames.DRIVER + "/node";

  /** Annotation: SHA-256 of the slice's spec without the pool generation. */
  public static final String ANNOTATION_CONTENT = DraNames.DRIVER + "/content";

  /** The effect of the poison taint: keep new claims off, or only inform. */
  public enum TaintEffect {
    NoSchedule,
    None
  }

  private static final String SUFFIX = "-" + DraNames.DRIVER.replace('.', '-') + "-";
  private static final int MAX_NAME = 253;
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private ResourceSlices() {}

  /**
   * The slices for {@code devices} on {@code node} (empty when there are none).
   *
   * @param nodeUid the Node's uid for the owner reference, or null when unknown (no reference)
   * @param generation the resource pool's generation
   */
  public static List<ResourceSlice> build(
      String node, String nodeUid, List<DraDevice> devices, long generation, TaintEffect effect) {
    List<DraDevice> sorted = new ArrayList<>(devices);
    sorted.sort(Comparator.comparing(DraDevice::name));
    List<List<DraDevice>> chunks = chunks(sorted);
    int count = chunks.size();
    List<ResourceSlice> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<Device> part = chunks.get(i).stream().map(d -> device(d, effect)).toList();
      ResourceSliceSpec spec = new ResourceSliceSpec();
      spec.setDriver(DraNames.DRIVER);
      spec.setNodeName(node);
      spec.setPool(new ResourcePool(generation, node, (long) count));
      spec.setDevices(new ArrayList<>(part));
      ResourceSlice slice = new ResourceSlice();
      slice.setMetadata(metadata(node, nodeUid, i, spec));
      slice.setSpec(spec);
      out.add(slice);
    }
    return out;
  }

  /**
   * Devices in order, cut into slices of at most {@value #MAX_DEVICES}, or {@value
   * #MAX_DEVICES_WITH_TAINTS} for a slice holding a tainted device (the API's two limits).
   */
  static List<List<DraDevice>> chunks(List<DraDevice> sorted) {
    List<List<DraDevice>> out = new ArrayList<>();
    List<DraDevice> current = new ArrayList<>();
    boolean tainted = false;
    for (DraDevice d : sorted) {
      boolean withIt = tainted || !d.healthy();
      int limit = withIt ? MAX_DEVICES_WITH_TAINTS : MAX_DEVICES;
      if (current.size() + 1 > limit) {
        out.add(current);
        current = new ArrayList<>();
        withIt = !d.healthy();
      }
      current.add(d);
      tainted = withIt;
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }

  private static ObjectMeta metadata(String node, String nodeUid, int index, ResourceSliceSpec s) {
    ObjectMetaBuilder m =
        new ObjectMetaBuilder()
            .withName(sliceName(node, index))
            .addToLabels(LABEL_MANAGED_BY, MANAGED_BY)
            .addToLabels(LABEL_NODE, nodeLabel(node))
            .addToAnnotations(ANNOTATION_CONTENT, contentHash(s));
    if (nodeUid != null) {
      m.addToOwnerReferences(
          new OwnerReferenceBuilder()
              .withApiVersion("v1")
              .withKind("Node")
              .withName(node)
              .withUid(nodeUid)
              .withController(true)
              .build());
    }
    return m.build();
  }

  /** One device as the slice lists it. */
  public static Device device(DraDevice d, TaintEffect effect) {
    Device out = new Device();
    out.setName(d.name());
    Map<String, DeviceAttribute> attrs = new TreeMap<>();
    d.attributes().forEach((k, v) -> attrs.put(k, attribute(v)));
    out.setAttributes(attrs);
    Map<String, DeviceCapacity> capacity = new TreeMap<>();
    if (d.mode() == PoolMode.SystemRam) {
      out.setAllowMultipleAllocations(true);
      Quantity unit = bytes(d.unitBytes());
      capacity.put(
          DraNames.CAPACITY_MEMORY,
          new DeviceCapacity(
              new CapacityRequestPolicy(
                  unit, new CapacityRequestPolicyRange(null, unit, unit), null),
              bytes(d.capacityBytes())));
    } else {
      capacity.put(DraNames.CAPACITY_MEMORY, new DeviceCapacity(null, bytes(d.capacityBytes())));
    }
    out.setCapacity(capacity);
    if (!d.healthy()) {
      out.setTaints(
          new ArrayList<>(
              List.of(new DeviceTaint(effect.name(), DraNames.TAINT_POISON, null, null))));
    }
    return out;
  }

  private static DeviceAttribute attribute(Object v) {
    if (v instanceof Boolean b) {
      return new DeviceAttribute(b, null, null, null);
    }
    if (v instanceof Number n) {
      return new DeviceAttribute(null, n.longValue(), null, null);
    }
    return new DeviceAttribute(null, null, String.valueOf(v), null);
  }

  /** Bytes as a canonical binary-SI quantity ({@code 1Gi}, {@code 896Mi}, or plain bytes). */
  public static Quantity bytes(long b) {
    String[] suffixes = {"Ti", "Gi", "Mi", "Ki"};
    for (int i = 0; i < suffixes.length; i++) {
      long unit = 1L << (10 * (suffixes.length - i));
      if (b != 0 && b % unit == 0) {
        return new Quantity(Long.toString(b / unit), suffixes[i]);
      }
    }
    return new Quantity(Long.toString(b));
  }

  /** The name of the node's n-th slice: {@code <node>-memory-daxtier-io-<n>}, at most 253. */
  public static String sliceName(String node, int index) {
    String tail = SUFFIX + index;
    if (node.length() + tail.length() <= MAX_NAME) {
      return node + tail;
    }
    String hash = sha256(node).substring(0, 8);
    String head = node.substring(0, MAX_NAME - tail.length() - hash.length() - 1);
    return head.replaceAll("[-.]+$", "") + "-" + hash + tail;
  }

  /** The {@link #LABEL_NODE} value of a node: its name, or a hash when not a valid label value. */
  public static String nodeLabel(String node) {
    return node.length() <= 63 && LABEL_VALUE.matcher(node).matches()
        ? node
        : "h-" + sha256(node).substring(0, 40);
  }

  /** The label selector of the node's slices. */
  public static Map<String, String> selector(String node) {
    return Map.of(LABEL_MANAGED_BY, MANAGED_BY, LABEL_NODE, nodeLabel(node));
  }

  /** SHA-256 of a spec's canonical JSON without its pool generation. */
  public static String contentHash(ResourceSliceSpec spec) {
    ResourcePool pool = spec.getPool();
    ResourceSliceSpec copy =
        new ResourceSliceSpec(
            spec.getAllNodes(),
            spec.getDevices(),
            spec.getDriver(),
            spec.getNodeName(),
            spec.getNodeSelector(),
            spec.getPerDeviceNodeSelection(),
            pool == null
                ? null
                : new ResourcePool(null, pool.getName(), pool.getResourceSliceCount()),
            spec.getSharedCounters());
    try {
      return sha256(CANONICAL.writeValueAsString(copy));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a slice spec always serializes", e);
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
