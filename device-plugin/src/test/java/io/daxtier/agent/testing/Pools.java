package io.daxtier.agent.testing;

import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.OnlineSpec;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import io.daxtier.api.v1alpha1.TieringSpec;
import io.daxtier.api.v1alpha1.Zone;
import java.util.List;
import java.util.function.Consumer;

/** NodePool builders for tests. */
public final class Pools {
  private Pools() {}

  /** A SystemRam pool over every device, default policy, 128Mi units. */
  public static NodePool systemRam(String name) {
    PmemPoolSpec s = new PmemPoolSpec();
    s.mode = PoolMode.SystemRam;
    s.resource.unit = "128Mi";
    return new NodePool(name, name + "-uid", 1L, NodePoolState.Active, s);
  }

  public static NodePool devDax(String name) {
    NodePool p = systemRam(name);
    p.spec.mode = PoolMode.DevDax;
    return p;
  }

  public static NodePool with(NodePool p, Consumer<PmemPoolSpec> change) {
    change.accept(p.spec);
    return p;
  }

  public static Consumer<PmemPoolSpec> devices(String... names) {
    return s -> {
      s.devices = new DeviceSelector();
      s.devices.daxDevices = List.of(names);
    };
  }

  public static Consumer<PmemPoolSpec> memoryType(MemoryType t) {
    return s -> s.devices.memoryType = t;
  }

  public static Consumer<PmemPoolSpec> encryption(EncryptionPolicy e) {
    return s -> s.policy.encryption = e;
  }

  public static Consumer<PmemPoolSpec> recoverability(RecoverabilityPolicy r) {
    return s -> s.policy.recoverability = r;
  }

  public static Consumer<PmemPoolSpec> scrub(ScrubMode m) {
    return s -> s.policy.scrub.beforeOnline = m;
  }

  public static Consumer<PmemPoolSpec> poison(PoisonAction a) {
    return s -> s.policy.poison.onNewPoison = a;
  }

  public static Consumer<PmemPoolSpec> zone(Zone z) {
    return s -> {
      s.online = new OnlineSpec();
      s.online.zone = z;
    };
  }

  public static Consumer<PmemPoolSpec> demotion() {
    return s -> {
      s.tiering = new TieringSpec();
      s.tiering.demotion = true;
    };
  }

  public static NodePool releasing(NodePool p, ReleaseAction action) {
    p.state = NodePoolState.Release;
    p.spec.release.action = action;
    if (action == ReleaseAction.Erase) {
      p.spec.release.confirmErase = true;
    }
    return p;
  }
}
