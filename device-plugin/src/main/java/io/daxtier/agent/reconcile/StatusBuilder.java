package io.daxtier.agent.reconcile;

import io.daxtier.agent.model.AutoOnline;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Dimm;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.MalformedObject;
import io.daxtier.agent.model.MemoryBlock;
import io.daxtier.agent.model.NumaNode;
import io.daxtier.agent.model.Platform;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.PoolPolicy;
import io.daxtier.agent.policy.Reason;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.NumaCapacity;
import io.daxtier.agent.state.PoolCapacity;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.NodeRecordStatus;
import io.daxtier.api.v1alpha1.NumaNodeStatus;
import io.daxtier.api.v1alpha1.PlatformStatus;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import io.daxtier.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Renders a pass into {@link PmemNodeStatus}, the object the agent alone writes. */
public final class StatusBuilder {
  private StatusBuilder() {}

  public static PmemNodeStatus build(
      Inventory inv,
      List<DeviceResult> results,
      List<NodePool> pools,
      History history,
      NodeState state,
      Long generation,
      Instant now) {
    PmemNodeStatus s = new PmemNodeStatus();
    s.observedGeneration = generation;
    s.heartbeat = now.toString();
    s.platform = platform(inv.platform());
    for (DaxDevice d : inv.devices()) {
      s.devices.add(device(inv, d, results, history));
    }
    // Devices left out of the inventory for a malformed kernel value: reported, never acted on.
    for (MalformedObject m : inv.malformed()) {
      if (m.kind() == MalformedObject.Kind.DEVICE) {
        DeviceStatus ds = new DeviceStatus();
        ds.name = m.name();
        ds.phase = DevicePhase.Failed;
        ds.reason = m.reason();
        ds.message = m.message();
        s.devices.add(ds);
      }
    }
    for (NumaNode n : inv.numaNodes()) {
      NumaNodeStatus ns = new NumaNodeStatus();
      ns.id = n.id();
      ns.memTotalBytes = n.memTotal();
      ns.memFreeBytes = n.memFree();
      ns.hasCpu = n.hasCpu();
      ns.memoryTier = n.tier();
      s.numaNodes.add(ns);
    }
    long online = 0;
    int owned = 0;
    int ready = 0;
    for (NodePool p : pools) {
      NodePoolStatus ps = pool(p, results, state);
      s.pools.add(ps);
      online += ps.onlineBytes == null ? 0 : ps.onlineBytes;
      owned += ps.devices;
      ready += ps.devicesReady;
    }
    for (PoolCapacity pc : state.pools()) {
      ResourceStatus rs = new ResourceStatus();
      rs.name = pc.resourceName();
      rs.pool = pc.pool();
      long total = pc.numaNodes().stream().mapToLong(n -> n.onlineBytes() / pc.unitBytes()).sum();
      long healthy =
          pc.numaNodes().stream().mapToLong(n -> n.healthyBytes() / pc.unitBytes()).sum();
      rs.capacity = (int) total;
      rs.healthy = (int) healthy;
      s.resources.add(rs);
    }
    s.onlineBytes = online;
    s.onlineCapacity = Sizes.format(online);
    s.devicesSummary = ready + "/" + owned;
    boolean blocked =
        results.stream()
            .anyMatch(
                r ->
                    r.pool() != null
                        && (r.phase() == DevicePhase.Blocked || r.phase() == DevicePhase.Conflict));
    boolean failed =
        results.stream().anyMatch(r -> r.pool() != null && r.phase() == DevicePhase.Failed);
    boolean unhealthy =
        state.pools().stream()
            .flatMap(p -> p.numaNodes().stream())
            .anyMatch(n -> !n.unhealthy().isEmpty());
    boolean allReady =
        results.stream()
            .filter(r -> r.pool() != null)
            .allMatch(r -> r.phase() == DevicePhase.Online || r.phase() == DevicePhase.Released);
    s.conditions.add(
        condition(
            "Ready",
            allReady && !blocked,
            allReady ? "Converged" : "NotConverged",
            ready + "/" + owned + " devices ready",
            now));
    s.record = record(history);
    List<MalformedObject> malformed = inv.malformed();
    s.conditions.add(
        condition(
            "Degraded",
            failed || unhealthy || !malformed.isEmpty(),
            failed
                ? "StepFailed"
                : !malformed.isEmpty() ? MalformedObject.REASON : unhealthy ? "Poison" : "Healthy",
            malformedSummary(malformed),
            now));
    String blockReason =
        results.stream()
            .filter(r -> r.phase() == DevicePhase.Blocked || r.phase() == DevicePhase.Conflict)
            .map(DeviceResult::reason)
            .findFirst()
            .orElse("None");
    s.conditions.add(condition("PolicyBlocked", blocked, blockReason, "", now));
    return s;
  }

  /** The node record in short, for people and the operator: what survives a restart. */
  static NodeRecordStatus record(History h) {
    NodeRecordStatus r = new NodeRecordStatus();
    r.cautious = h.cautious() ? Boolean.TRUE : null;
    new TreeMap<>(h.lastScrub()).forEach((bus, at) -> r.lastScrub.put(bus, at.toString()));
    r.scrubsInProgress.addAll(new TreeSet<>(h.scrubs().keySet()));
    new TreeMap<>(h.erases())
        .forEach(
            (key, e) -> {
              NodeRecordStatus.EraseStatus es = new NodeRecordStatus.EraseStatus();
              es.pool = e.pool();
              es.dimms.addAll(e.dimms());
              es.completed.addAll(new TreeSet<>(e.completed()));
              r.erases.add(es);
            });
    new TreeMap<>(h.owners()).forEach((device, o) -> r.owners.put(device, o.pool()));
    int known = h.knownBadBlocks().values().stream().mapToInt(Set::size).sum();
    r.knownBadBlocks = known == 0 ? null : known;
    long retired = h.retiredPages().values().stream().mapToLong(Long::longValue).sum();
    r.retiredPages = retired == 0 ? null : retired;
    return r;
  }

  /** The first few malformed objects, each with its attribute and value, for the condition. */
  private static String malformedSummary(List<MalformedObject> malformed) {
    List<String> own =
        malformed.stream()
            .filter(m -> m.via() == null)
            .map(m -> m.name() + ": " + m.message())
            .toList();
    if (own.isEmpty()) {
      return "";
    }
    String shown = String.join("; ", own.subList(0, Math.min(3, own.size())));
    return own.size() > 3 ? shown + "; and " + (own.size() - 3) + " more" : shown;
  }

  private static Condition condition(
      String type, boolean status, String reason, String message, Instant now) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(now.toString())
        .build();
  }

  /**
   * Conditions move only on a transition: each condition of {@code next} whose status and reason
   * are those of the same type in {@code previous} (the status last reported; null: none) keeps the
   * previous lastTransitionTime. Returns {@code next}, changed in place.
   */
  public static PmemNodeStatus keepTransitionTimes(PmemNodeStatus previous, PmemNodeStatus next) {
    if (previous == null || previous.conditions == null || next.conditions == null) {
      return next;
    }
    for (Condition c : next.conditions) {
      for (Condition before : previous.conditions) {
        if (c.getType().equals(before.getType())
            && Objects.equals(c.getStatus(), before.getStatus())
            && Objects.equals(c.getReason(), before.getReason())
            && before.getLastTransitionTime() != null) {
          c.setLastTransitionTime(before.getLastTransitionTime());
        }
      }
    }
    return next;
  }

  static PlatformStatus platform(Platform p) {
    PlatformStatus ps = new PlatformStatus();
    ps.kernelVersion = p.kernelVersion();
    ps.daxBusModel = p.busModel();
    ps.kmemAvailable = p.kmemAvailable();
    ps.memoryBlockSize = p.blockSize();
    ps.autoOnlineBlocks = p.autoOnlineBlocks();
    AutoOnline a = p.autoOnline();
    PlatformStatus.AutoOnlineStatus as = new PlatformStatus.AutoOnlineStatus();
    as.policy = a.policy();
    as.source = a.source().isEmpty() ? null : a.source();
    as.effect = a.effect();
    as.buildDefault = a.buildDefault();
    as.commandLine = a.cmdline();
    as.onlinePolicy = a.onlinePolicy();
    as.udevRules = a.udevRules().isEmpty() ? null : new ArrayList<>(a.udevRules());
    as.agentPolicy = a.managed() ? "Manage" : "Respect";
    ps.autoOnline = as;
    ps.demotionEnabled = p.demotionEnabled();
    ps.hardwareCorruptedBytes = p.hardwareCorruptedBytes();
    PlatformStatus.MachineCheckRecovery m = new PlatformStatus.MachineCheckRecovery();
    m.capability = p.mcRecovery().capability();
    m.evidence = new ArrayList<>(p.mcRecovery().evidence());
    ps.machineCheckRecovery = m;
    return ps;
  }

  private static DeviceStatus device(
      Inventory inv, DaxDevice d, List<DeviceResult> results, History history) {
    DeviceStatus ds = new DeviceStatus();
    ds.name = d.name();
    ds.region = d.region();
    ds.memoryType = d.memoryType();
    ds.size = d.size();
    ds.targetNode = d.targetNode();
    ds.mode = d.mode();
    DeviceResult r =
        results.stream()
            .filter(x -> x.device().equals(d.name()) && x.phase() != DevicePhase.Conflict)
            .findFirst()
            .orElse(
                results.stream().filter(x -> x.device().equals(d.name())).findFirst().orElse(null));
    if (r != null) {
      ds.pool = r.pool();
      ds.phase = r.phase();
      ds.reason = r.reason();
      ds.message = r.message();
    } else {
      ds.phase = DevicePhase.Discovered;
    }
    List<String> bad = inv.badRangesOf(d).stream().map(Object::toString).toList();
    ds.badBlocks = bad.size();
    ds.badRanges = bad.size() > 16 ? new ArrayList<>(bad.subList(0, 16)) : new ArrayList<>(bad);
    ds.retiredPages = history.retiredPages().get(d.name());
    long unhealthy =
        history.unhealthy().getOrDefault(d.name(), List.of()).stream()
            .mapToLong(x -> x.size())
            .sum();
    ds.unhealthyBytes = unhealthy == 0 ? null : unhealthy;
    for (Dimm m : inv.dimmsOf(d)) {
      DeviceStatus.DimmStatus dm = new DeviceStatus.DimmStatus();
      dm.name = m.name();
      dm.security = m.securityOrUnsupported();
      dm.frozen = m.frozen();
      ds.dimms.add(dm);
    }
    List<MemoryBlock> blocks = inv.blocksOf(d);
    ds.blocksTotal = (int) d.blockCount(inv.platform().blockSize());
    ds.blocksOnline = (int) blocks.stream().filter(MemoryBlock::online).count();
    ds.zone =
        blocks.stream().map(MemoryBlock::zone).filter(z -> z != null).findFirst().orElse(null);
    return ds;
  }

  private static NodePoolStatus pool(NodePool p, List<DeviceResult> results, NodeState state) {
    NodePoolStatus ps = new NodePoolStatus();
    ps.name = p.name;
    ps.observedGeneration = p.generation;
    List<DeviceResult> mine =
        results.stream()
            .filter(r -> p.name.equals(r.pool()) && r.phase() != DevicePhase.Conflict)
            .toList();
    ps.devices = mine.size();
    ps.devicesReady = (int) mine.stream().filter(r -> r.phase() == DevicePhase.Online).count();
    PoolCapacity pc =
        state.pools().stream().filter(c -> c.pool().equals(p.name)).findFirst().orElse(null);
    ps.onlineBytes =
        pc == null ? 0L : pc.numaNodes().stream().mapToLong(NumaCapacity::onlineBytes).sum();
    ps.healthyBytes =
        pc == null ? 0L : pc.numaNodes().stream().mapToLong(NumaCapacity::healthyBytes).sum();
    DeviceResult blocked =
        mine.stream().filter(r -> r.phase() == DevicePhase.Blocked).findFirst().orElse(null);
    DeviceResult failed =
        mine.stream().filter(r -> r.phase() == DevicePhase.Failed).findFirst().orElse(null);
    DeviceResult conflict =
        results.stream()
            .filter(r -> p.name.equals(r.pool()) && r.phase() == DevicePhase.Conflict)
            .findFirst()
            .orElse(null);
    List<String> invalid = PoolSpecLimits.check(p.spec);
    if (!invalid.isEmpty()) {
      // Reported whether or not the pool selects a device here: the spec itself is the problem.
      ps.phase = PoolPhase.Blocked;
      ps.reason = Reason.InvalidSpec.name();
      ps.message = PoolPolicy.invalidMessage(p.name, invalid);
    } else if (p.state == NodePoolState.Release) {
      boolean done = mine.stream().allMatch(r -> r.phase() == DevicePhase.Released);
      ps.phase =
          done ? PoolPhase.Released : failed != null ? PoolPhase.Failed : PoolPhase.Releasing;
      DeviceResult first = failed != null ? failed : blocked;
      if (first != null) {
        ps.reason = first.reason();
        ps.message = first.device() + ": " + first.message();
      }
    } else if (blocked != null) {
      ps.phase = PoolPhase.Blocked;
      ps.reason = blocked.reason();
      ps.message = blocked.device() + ": " + blocked.message();
    } else if (failed != null) {
      ps.phase = PoolPhase.Failed;
      ps.reason = failed.reason();
      ps.message = failed.device() + ": " + failed.message();
    } else if (mine.isEmpty()) {
      ps.phase = PoolPhase.Pending;
      ps.reason = conflict != null ? Reason.Conflict.name() : "NoDevices";
      ps.message =
          conflict != null
              ? conflict.device() + ": " + conflict.message()
              : "no device on this node matches the pool";
    } else if (ps.devicesReady == ps.devices) {
      ps.phase = ps.healthyBytes < ps.onlineBytes ? PoolPhase.Degraded : PoolPhase.Ready;
      ps.reason = ps.phase == PoolPhase.Degraded ? "Poison" : "Converged";
    } else {
      ps.phase = PoolPhase.Converging;
      DeviceResult first =
          mine.stream().filter(r -> r.phase() != DevicePhase.Online).findFirst().orElseThrow();
      ps.reason = first.reason();
      ps.message = first.device() + ": " + first.message();
    }
    return ps;
  }
}
