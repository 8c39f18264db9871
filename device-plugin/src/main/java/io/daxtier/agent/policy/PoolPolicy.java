package io.daxtier.agent.policy;

import io.daxtier.agent.model.AutoOnline;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Dimm;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.NdBus;
import io.daxtier.agent.model.Platform;
import io.daxtier.api.ownership.Ownership;
import io.daxtier.api.rules.DeviceSelection;
import io.daxtier.api.rules.GoDurations;
import io.daxtier.api.rules.PoolDefaults;
import io.daxtier.api.v1alpha1.Capability;
import io.daxtier.api.v1alpha1.DaxBusModel;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DeviceSelector;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PolicySpec;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ScrubMode;
import io.daxtier.api.v1alpha1.ScrubPolicy;
import io.daxtier.api.v1alpha1.Zone;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The pure safety policy: (inventory, pools in precedence order, history, now) to one decision per
 * device and selecting pool: the owner's (see {@link Ownership}), a Conflict for every other. It
 * performs no I/O; the same inputs always give the same decisions.
 */
public final class PoolPolicy {

  private PoolPolicy() {}

  public static List<DeviceDecision> decide(
      Inventory inv, List<NodePool> pools, History history, Instant now) {
    List<DeviceDecision> out = new ArrayList<>();
    for (DaxDevice d : inv.devices()) {
      List<NodePool> selecting = pools.stream().filter(p -> selects(spec(p).devices, d)).toList();
      if (selecting.isEmpty()) {
        out.add(new DeviceDecision(d.name(), null, new Decision.Untouched()));
        continue;
      }
      // Who owns the device is the shared ownership rule's answer (the operator's conflict report
      // asks the same rule): a holder keeps it until released, whatever the ages.
      List<Ownership.Candidate> candidates = selecting.stream().map(PoolPolicy::candidate).toList();
      Ownership.Result owned = Ownership.decide(candidates, holder(inv, d, history, selecting));
      if (owned.owner().isPresent()) {
        NodePool owner = selecting.get(candidates.indexOf(owned.owner().get()));
        out.add(new DeviceDecision(d.name(), owner.name, decide(inv, d, owner, history, now)));
      }
      for (Ownership.Outcome o : owned.outcomes()) {
        if (!o.owns()) {
          out.add(
              new DeviceDecision(
                  d.name(), o.pool().name(), new Decision.Block(Reason.Conflict, o.message())));
        }
      }
    }
    return out;
  }

  /** A selecting pool as the ownership rule sees it. */
  static Ownership.Candidate candidate(NodePool p) {
    return new Ownership.Candidate(
        p.name, p.uid, spec(p).mode == PoolMode.DevDax ? PoolMode.DevDax : PoolMode.SystemRam);
  }

  /**
   * What holds a device: the pool the node record names; without one, what the kernel shows in use
   * — a device handed out as DevDax (for its serving pool when that pool still selects it) or
   * online as System RAM (any block online) keeps that use; otherwise the device is free.
   */
  public static Ownership.Holder holder(
      Inventory inv, DaxDevice d, History history, List<NodePool> selecting) {
    History.Owner owner = history.owners().get(d.name());
    if (owner != null) {
      return owner.holder();
    }
    String serving = history.serving().get(d.name());
    if (serving != null && d.mode() == DeviceMode.DEVDAX) {
      return selecting.stream().anyMatch(p -> p.name.equals(serving))
          ? Ownership.Holder.pool(serving, null, Ownership.Use.DevDax)
          : Ownership.Holder.unknown(Ownership.Use.DevDax);
    }
    if (d.mode() == DeviceMode.SYSTEM_RAM && inv.blocksOf(d).stream().anyMatch(b -> b.online())) {
      return Ownership.Holder.unknown(Ownership.Use.SystemRam);
    }
    return null;
  }

  /** The InvalidSpec message: every broken bound, each naming its field. */
  public static String invalidMessage(String pool, List<String> errors) {
    return "pool " + pool + " is out of bounds, nothing done: " + String.join("; ", errors);
  }

  /** The pool's spec with every API default filled in (the shared {@link PoolDefaults}). */
  static PmemPoolSpec spec(NodePool p) {
    return PoolDefaults.apply(p.spec);
  }

  /** Whether the selector picks the device: the shared {@link DeviceSelection} rule. */
  static boolean selects(DeviceSelector sel, DaxDevice d) {
    return DeviceSelection.selects(sel, d.name(), d.region(), d.memoryType(), d.size());
  }

  static Decision decide(Inventory inv, DaxDevice d, NodePool pool, History history, Instant now) {
    PmemPoolSpec spec = spec(pool);
    // The same bounds the CRD enforces, checked here because a pool file or an API server without
    // the rules reaches the agent unchecked: out of bounds, nothing is written for the pool.
    List<String> invalid = PoolSpecLimits.check(spec);
    if (!invalid.isEmpty()) {
      return new Decision.Block(Reason.InvalidSpec, invalidMessage(pool.name, invalid));
    }
    History.Retry retry = history.retries().get(d.name());
    if (retry != null && retry.notBefore().isAfter(now)) {
      return new Decision.Wait(
          retry.reason(), retry.message(), retry.notBefore(), pool.state == NodePoolState.Release);
    }
    if (pool.state == NodePoolState.Release) {
      return release(inv, d, pool, history);
    }
    return spec.mode == PoolMode.DevDax
        ? devDax(inv, d, pool.name, spec, history, now)
        : systemRam(inv, d, spec, history, now);
  }

  private static Decision release(Inventory inv, DaxDevice d, NodePool pool, History history) {
    PmemPoolSpec spec = spec(pool);
    ReleaseAction action = spec.release.action;
    if (action == ReleaseAction.Erase) {
      if (!Boolean.TRUE.equals(spec.release.confirmErase)) {
        // The CRD's validation demands the confirmation, but a pool file or an API server
        // without that rule reaches the agent unchecked: an erase is never implied.
        return new Decision.Block(
            Reason.EraseUnsafe,
            "release.action Erase overwrites the DIMMs of "
                + d.name()
                + ": set spec.release.confirmErase: true to confirm; nothing erased");
      }
      // Erased only when every DIMM behind the device was overwritten for this release (the node
      // record says so); a device of the pool on DIMMs already done is not overwritten again.
      History.Erase erase = history.erases().get(History.releaseKey(pool.name, pool.uid));
      if (erase != null && erase.erased(inv.dimmsOf(d).stream().map(Dimm::name).toList())) {
        return new Decision.Release(action, true);
      }
      for (Dimm dimm : inv.dimmsOf(d)) {
        if (dimm.frozen()) {
          return new Decision.Block(
              Reason.DimmFrozen, dimm.name() + ": security frozen, cannot erase until reboot");
        }
        if (dimm.security() == null) {
          return new Decision.Block(
              Reason.EraseUnsafe, dimm.name() + ": no security support, cannot erase");
        }
        if ("locked".equals(dimm.security())) {
          return new Decision.Block(
              Reason.DimmLocked, dimm.name() + " is locked: unlock it (ndctl load-keys) to erase");
        }
      }
      List<String> mine = inv.dimmsOf(d).stream().map(Dimm::name).toList();
      for (DaxDevice other : inv.devices()) {
        boolean shares = inv.dimmsOf(other).stream().anyMatch(m -> mine.contains(m.name()));
        if (!other.name().equals(d.name()) && shares && !selects(spec.devices, other)) {
          // An overwrite erases whole DIMMs: never erase memory that is not the pool's.
          return new Decision.Block(
              Reason.EraseUnsafe,
              "the DIMMs of "
                  + d.name()
                  + " also back "
                  + other.name()
                  + ", which the pool does not own");
        }
      }
      if (inv.dimmsOf(d).isEmpty()) {
        return new Decision.Block(Reason.EraseUnsafe, "no NVDIMM behind " + d.name() + " to erase");
      }
    }
    return new Decision.Release(action, false);
  }

  private static Decision devDax(
      Inventory inv, DaxDevice d, String pool, PmemPoolSpec spec, History history, Instant now) {
    Optional<Decision.Block> platform = platformGate(inv.platform(), false);
    if (platform.isPresent()) {
      return platform.get();
    }
    if (d.mode() == DeviceMode.SYSTEM_RAM) {
      return new Decision.Block(
          Reason.InUseAsSystemRam,
          d.name() + " is online as system-ram; release it from its pool first");
    }
    List<String> warnings = new ArrayList<>();
    Optional<Decision.Block> dimm = dimmGate(inv, d, policy(spec), warnings);
    if (dimm.isPresent()) {
      return dimm.get();
    }
    // The char device goes to pods: the same scrub gate as onlining. Its contents persist, so
    // known poison is cleared (clearErrors) only together with an ARS before first use, never
    // once the device is handed out: clearing leaves the application's data unpredictable. A
    // device in use keeps its poison reported and that capacity unhealthy (the poison watch),
    // is scrubbed every maxAge, and is not blocked by bad blocks while pods hold it.
    boolean inUse = d.mode() == DeviceMode.DEVDAX && pool.equals(history.serving().get(d.name()));
    Gate scrub = scrubGate(inv, d, policy(spec), history, now, warnings, true, false);
    if (inUse) {
      int bad = inv.badRangesOf(d).size();
      if (bad > 0) {
        warnings.add(
            "PoisonInUse: "
                + bad
                + " bad-block ranges in "
                + d.name()
                + ", not cleared while the device is in use (marked unhealthy)");
      }
      if (scrub.block() != null && scrub.block().rule() != Reason.BadBlocks) {
        return scrub.block();
      }
      if (!scrub.scrub()) {
        return new Decision.Keep("Ready", warnings);
      }
      return new Decision.Convert(PoolMode.DevDax, null, true, false, Integer.MAX_VALUE, warnings);
    }
    if (scrub.block() != null) {
      return scrub.block();
    }
    if (d.mode() == DeviceMode.DEVDAX && !scrub.scrub()) {
      return new Decision.Keep("Ready", warnings);
    }
    return new Decision.Convert(
        PoolMode.DevDax, null, scrub.scrub(), scrub.clear(), scrub.maxBad(), warnings);
  }

  /** The outcome of the scrub gate: a block, or whether to scrub / clear and the bad-block cap. */
  record Gate(Decision.Block block, boolean scrub, boolean clear, int maxBad) {}

  /**
   * Scrub before use ({@code policy.scrub}): ARS when the bus has it and the last one is older than
   * {@code maxAge}; {@code Required} blocks without ARS; bad-block ranges over {@code maxBadBlocks}
   * block unless they may still be cleared or a scrub is due first.
   *
   * @param clearWithoutScrub whether {@code clearErrors} may clear between scrubs (SystemRam: the
   *     memory holds nothing yet); otherwise only together with an ARS (DevDax: contents persist)
   */
  private static Gate scrubGate(
      Inventory inv,
      DaxDevice d,
      PolicySpec policy,
      History history,
      Instant now,
      List<String> warnings,
      boolean beforeUse,
      boolean clearWithoutScrub) {
    ScrubPolicy scrub = policy.scrub;
    boolean needScrub = false;
    if (beforeUse && scrub.beforeOnline != ScrubMode.Skip) {
      Optional<NdBus> bus =
          inv.region(d.region()).flatMap(r -> Optional.ofNullable(r.bus())).flatMap(inv::bus);
      boolean supported = bus.map(NdBus::arsSupported).orElse(false);
      if (!supported) {
        String found =
            d.name()
                + ": no Address Range Scrub on "
                + bus.map(NdBus::name).orElse("its bus (" + d.memoryType().wire() + ")");
        if (scrub.beforeOnline == ScrubMode.Required) {
          return new Gate(new Decision.Block(Reason.ScrubUnsupported, found), false, false, 0);
        }
        warnings.add("ScrubUnsupported: " + found);
      } else {
        Instant last = history.lastScrub().get(bus.get().name());
        Duration maxAge = GoDurations.parseOrThrow(scrub.maxAge);
        // a running ARS that is due is joined: the executor awaits it
        needScrub = last == null || last.plus(maxAge).isBefore(now);
      }
    }
    int maxBad = scrub.maxBadBlocks;
    // After a first start without a record, nothing is cleared on a bus before this agent's own
    // ARS there (lastScrub starts empty then): the kernel's list may predate anything we know.
    boolean trusted =
        !history.cautious()
            || inv.region(d.region())
                .map(r -> r.bus() != null && history.lastScrub().containsKey(r.bus()))
                .orElse(false);
    boolean clear =
        !Boolean.FALSE.equals(scrub.clearErrors) && (needScrub || (clearWithoutScrub && trusted));
    int bad = inv.badRangesOf(d).size();
    if (bad > maxBad && !clear && !needScrub) {
      return new Gate(
          new Decision.Block(
              Reason.BadBlocks, bad + " bad-block ranges in " + d.name() + " (max " + maxBad + ")"),
          false,
          false,
          maxBad);
    }
    return new Gate(null, needScrub, clear, maxBad);
  }

  private static Decision systemRam(
      Inventory inv, DaxDevice d, PmemPoolSpec spec, History history, Instant now) {
    List<String> warnings = new ArrayList<>();
    Zone zone = spec.effectiveZone();
    if (d.mode() == DeviceMode.SYSTEM_RAM && inv.fullyOnline(d)) {
      inv.blocksOf(d).stream()
          .filter(b -> b.zone() != null && b.zone() != zone)
          .findFirst()
          .ifPresent(
              b ->
                  warnings.add(
                      "ZoneMismatch: memory"
                          + b.index()
                          + " is in "
                          + b.zone()
                          + ", pool asks "
                          + zone));
      return new Decision.Keep("Online", warnings);
    }
    Optional<Decision.Block> platform = platformGate(inv.platform(), true);
    if (platform.isPresent()) {
      return platform.get();
    }
    if (d.targetNode() < 0) {
      // kmem_probe() rejects it ("rejecting DAX region with invalid node", drivers/dax/kmem.c):
      // asking would only leave the device unbound, as daxctl does.
      return new Decision.Block(
          Reason.NoTargetNode,
          d.name()
              + " has target_node "
              + d.targetNode()
              + ": the kernel's kmem driver rejects a DAX region with an invalid node"
              + " (the firmware gave the range no proximity domain)");
    }
    Optional<Decision.Block> auto = autoOnlineGate(inv.platform().autoOnline(), d, zone, warnings);
    if (auto.isPresent()) {
      return auto.get();
    }
    PolicySpec policy = policy(spec);
    Optional<Decision.Block> dimm = dimmGate(inv, d, policy, warnings);
    if (dimm.isPresent()) {
      return dimm.get();
    }
    RecoverabilityPolicy rec = policy.recoverability;
    Capability cap = inv.platform().mcRecovery().capability();
    if (rec != RecoverabilityPolicy.Ignore && cap != Capability.Supported) {
      String found =
          "machine-check recovery "
              + cap
              + ": "
              + String.join("; ", inv.platform().mcRecovery().evidence());
      if (rec == RecoverabilityPolicy.Required) {
        return new Decision.Block(Reason.RecoverabilityRequired, found);
      }
      warnings.add("Recoverability: " + found);
    }
    Gate gate =
        scrubGate(inv, d, policy, history, now, warnings, d.mode() != DeviceMode.SYSTEM_RAM, true);
    if (gate.block() != null) {
      return gate.block();
    }
    return new Decision.Convert(
        PoolMode.SystemRam, zone, gate.scrub(), gate.clear(), gate.maxBad(), warnings);
  }

  /**
   * A kernel (or udev rule) that onlines kmem's blocks itself picks their zone. When that is not
   * the pool's zone, the conversion is blocked with the fixes named, unless the agent manages the
   * policy: it then switches auto_online_blocks to offline around the bind, and re-onlines blocks a
   * udev rule put in the wrong zone while nothing uses them.
   */
  static Optional<Decision.Block> autoOnlineGate(
      AutoOnline a, DaxDevice d, Zone zone, List<String> warnings) {
    if (d.mode() == DeviceMode.SYSTEM_RAM || !(a.kernelOnlines() || a.udevOnlines())) {
      return Optional.empty();
    }
    // a udev rule picks the zone itself (RHEL's: online_movable on bare metal, online in VMs)
    Zone picked = a.udevOnlines() ? null : a.kernelZone();
    if (picked == zone) {
      warnings.add("AutoOnline: " + a.effect() + " (" + a.source() + ")");
      return Optional.empty();
    }
    if (a.managed()) {
      warnings.add(
          "AutoOnline: "
              + a.effect()
              + " ("
              + a.source()
              + "); managed: auto_online_blocks is switched to offline for the conversion and"
              + " restored right after");
      return Optional.empty();
    }
    return Optional.of(
        new Decision.Block(
            Reason.AutoOnlineConflict,
            a.effect() + " (" + a.source() + "), the pool asks " + zone + ": " + a.remedies()));
  }

  private static PolicySpec policy(PmemPoolSpec spec) {
    return spec.policy;
  }

  static Optional<Decision.Block> platformGate(Platform p, boolean needsKmem) {
    if (p.busModel() == DaxBusModel.Class) {
      return Optional.of(
          new Decision.Block(
              Reason.ClassModelUnsupported,
              "device-dax uses the legacy /sys/class/dax model; boot a kernel without"
                  + " CONFIG_DEV_DAX_PMEM_COMPAT (removed in 5.16) or blacklist dax_pmem_compat"));
    }
    if (p.busModel() == DaxBusModel.Absent) {
      return Optional.of(
          new Decision.Block(Reason.DaxBusAbsent, "no /sys/bus/dax: load device_dax"));
    }
    if (needsKmem && !p.kmemAvailable()) {
      return Optional.of(
          new Decision.Block(
              Reason.KmemMissing,
              "the kmem driver is not loaded and modprobe kmem failed (CONFIG_DEV_DAX_KMEM)"));
    }
    return Optional.empty();
  }

  /** DIMM security: locked/overwrite always block; encryption policy over every DIMM. */
  static Optional<Decision.Block> dimmGate(
      Inventory inv, DaxDevice d, PolicySpec policy, List<String> warnings) {
    List<Dimm> dimms = inv.dimmsOf(d);
    for (Dimm m : dimms) {
      if ("locked".equals(m.security())) {
        return Optional.of(
            new Decision.Block(
                Reason.DimmLocked, m.name() + " is locked: unlock it (ndctl load-keys) first"));
      }
      if ("overwrite".equals(m.security())) {
        return Optional.of(
            new Decision.Block(Reason.DimmOverwriteInProgress, m.name() + " is being overwritten"));
      }
    }
    EncryptionPolicy enc = policy.encryption;
    if (enc == EncryptionPolicy.Disabled) {
      return Optional.empty();
    }
    List<Dimm> plain = dimms.stream().filter(m -> !"unlocked".equals(m.security())).toList();
    String found;
    if (dimms.isEmpty()) {
      found = d.name() + ": no NVDIMM security state (" + d.memoryType().wire() + ")";
    } else if (!plain.isEmpty()) {
      found =
          plain.stream()
              .map(
                  m ->
                      m.name()
                          + " "
                          + m.securityOrUnsupported()
                          + (m.frozen() ? " (frozen until reboot)" : ""))
              .collect(Collectors.joining(", "));
    } else {
      return Optional.empty();
    }
    if (enc == EncryptionPolicy.Required) {
      return Optional.of(new Decision.Block(Reason.EncryptionRequired, found));
    }
    warnings.add("Encryption: " + found);
    return Optional.empty();
  }
}
