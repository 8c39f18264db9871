package io.daxtier.api.rules;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.OnlineSpec;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoisonPolicy;
import io.daxtier.api.v1alpha1.PolicySpec;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ReleaseSpec;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.api.v1alpha1.ResourceSpec;
import io.daxtier.api.v1alpha1.ScrubMode;
import io.daxtier.api.v1alpha1.ScrubPolicy;
import io.daxtier.api.v1alpha1.TieringSpec;
import io.daxtier.api.v1alpha1.TopologyMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The defaults-applied view of a pool spec: every field the API defaults ({@code @Default} on the
 * v1alpha1 classes, which the API server fills in) filled in here too, for a spec that never passed
 * an API server (a pool file, a test, an API server without the schema defaults). Callers read the
 * view instead of restating a default.
 *
 * <p>What the API leaves absent stays absent: {@code nodeSelector} (every node), the device name
 * and region lists (any device), {@code minSize}, {@code provision} (no provisioning), {@code
 * release.confirmErase}; {@code online} and {@code tiering} are filled for SystemRam pools only
 * (the API forbids them on DevDax pools).
 */
public final class PoolDefaults {
  /** {@code policy.scrub.maxAge}. */
  public static final String SCRUB_MAX_AGE = "24h";

  /** {@code release.drainTimeout}. */
  public static final String DRAIN_TIMEOUT = "10m";

  /** {@code devices.provision.align}. */
  public static final String PROVISION_ALIGN = "2Mi";

  private PoolDefaults() {}

  /** A new spec, {@code spec} with every API default filled in; {@code spec} is not changed. */
  public static PmemPoolSpec apply(PmemPoolSpec spec) {
    PmemPoolSpec src = spec == null ? new PmemPoolSpec() : spec;
    PmemPoolSpec out = new PmemPoolSpec();
    out.nodeSelector = src.nodeSelector;
    out.mode = src.mode == null ? PoolMode.SystemRam : src.mode;
    out.devices = devices(src.devices);
    out.online = out.mode == PoolMode.SystemRam ? online(src) : src.online;
    out.tiering = out.mode == PoolMode.SystemRam ? tiering(src.tiering) : src.tiering;
    out.policy = policy(src.policy);
    out.resource = resource(src.resource);
    out.release = release(src.release);
    return out;
  }

  private static DeviceSelector devices(DeviceSelector src) {
    DeviceSelector out = new DeviceSelector();
    if (src == null) {
      return out;
    }
    out.daxDevices = copy(src.daxDevices);
    out.regions = copy(src.regions);
    out.memoryType = src.memoryType == null ? MemoryType.ANY : src.memoryType;
    out.minSize = src.minSize;
    if (src.provision != null) {
      ProvisionSpec p = new ProvisionSpec();
      p.enabled = src.provision.enabled == null ? Boolean.TRUE : src.provision.enabled;
      p.size = src.provision.size;
      p.align = src.provision.align == null ? PROVISION_ALIGN : src.provision.align;
      out.provision = p;
    }
    return out;
  }

  private static OnlineSpec online(PmemPoolSpec src) {
    OnlineSpec out = new OnlineSpec();
    out.zone = src.effectiveZone();
    return out;
  }

  private static TieringSpec tiering(TieringSpec src) {
    TieringSpec out = new TieringSpec();
    out.demotion = src == null || src.demotion == null ? Boolean.FALSE : src.demotion;
    return out;
  }

  private static PolicySpec policy(PolicySpec src) {
    PolicySpec s = src == null ? new PolicySpec() : src;
    PolicySpec out = new PolicySpec();
    out.encryption = s.encryption == null ? EncryptionPolicy.Preferred : s.encryption;
    out.recoverability =
        s.recoverability == null ? RecoverabilityPolicy.Preferred : s.recoverability;
    ScrubPolicy scrub = s.scrub == null ? new ScrubPolicy() : s.scrub;
    out.scrub = new ScrubPolicy();
    out.scrub.beforeOnline =
        scrub.beforeOnline == null ? ScrubMode.IfSupported : scrub.beforeOnline;
    out.scrub.maxAge = scrub.maxAge == null ? SCRUB_MAX_AGE : scrub.maxAge;
    out.scrub.clearErrors = scrub.clearErrors == null ? Boolean.TRUE : scrub.clearErrors;
    out.scrub.maxBadBlocks = scrub.maxBadBlocks == null ? 0 : scrub.maxBadBlocks;
    out.poison = new PoisonPolicy();
    out.poison.onNewPoison =
        s.poison == null || s.poison.onNewPoison == null
            ? PoisonAction.RetirePages
            : s.poison.onNewPoison;
    return out;
  }

  private static ResourceSpec resource(ResourceSpec src) {
    ResourceSpec s = src == null ? new ResourceSpec() : src;
    ResourceSpec out = new ResourceSpec();
    out.name = s.name == null ? Api.DEFAULT_RESOURCE_NAME : s.name;
    out.unit = s.unit == null ? Api.DEFAULT_RESOURCE_UNIT : s.unit;
    out.topology = s.topology == null ? TopologyMode.NumaNode : s.topology;
    out.api = s.api == null ? ResourceApi.DevicePlugin : s.api;
    return out;
  }

  private static ReleaseSpec release(ReleaseSpec src) {
    ReleaseSpec s = src == null ? new ReleaseSpec() : src;
    ReleaseSpec out = new ReleaseSpec();
    out.action = s.action == null ? ReleaseAction.Keep : s.action;
    out.confirmErase = s.confirmErase;
    out.maxUnavailable = s.maxUnavailable == null ? 1 : s.maxUnavailable;
    out.drainTimeout = s.drainTimeout == null ? DRAIN_TIMEOUT : s.drainTimeout;
    return out;
  }

  private static List<String> copy(List<String> names) {
    return names == null ? null : new ArrayList<>(names);
  }
}
