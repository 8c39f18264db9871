package io.daxtier.api.v1alpha1;

/** Names shared by the whole API: group, version, well-known labels and defaults. */
public final class Api {
  public static final String GROUP = "daxtier.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** Node label set by the operator where at least one pool is online. */
  public static final String LABEL_PMEM_READY = "daxtier.io/pmem-ready";

  /** Finalizer the operator puts on every PmemPool so release runs before it disappears. */
  public static final String FINALIZER = "daxtier.io/release";

  public static final String DEFAULT_RESOURCE_NAME = "daxtier.io/pmem";
  public static final String DEFAULT_RESOURCE_UNIT = "1Gi";

  /**
   * The DRA driver of pools with {@code resource.api: DRA}: the agent's kubelet plugin and
   * ResourceSlices, the operator's DeviceClasses.
   */
  public static final String DRA_DRIVER = "memory.daxtier.io";

  /** The device attribute (in the driver's domain) naming a DRA device's pool. */
  public static final String DRA_ATTR_POOL = "pool";

  private Api() {}
}
