package io.daxtier.agent.reconcile;

import io.daxtier.agent.executor.DeviceOutcome;
import io.daxtier.agent.executor.EraseJournal;
import io.daxtier.agent.executor.ExecutionReport;
import io.daxtier.agent.executor.Executor;
import io.daxtier.agent.executor.HotplugSwitch;
import io.daxtier.agent.executor.NodeOutcome;
import io.daxtier.agent.executor.Outcome;
import io.daxtier.agent.inventory.InventoryReader;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.ndctl.Ndctl;
import io.daxtier.agent.plan.Plan;
import io.daxtier.agent.plan.Planner;
import io.daxtier.agent.plan.Step;
import io.daxtier.agent.poison.PoisonWatcher;
import io.daxtier.agent.policy.Decision;
import io.daxtier.agent.policy.DeviceDecision;
import io.daxtier.agent.policy.History;
import io.daxtier.agent.policy.PoolPolicy;
import io.daxtier.agent.policy.Reason;
import io.daxtier.agent.record.NodeRecord;
import io.daxtier.agent.state.NodeState;
import io.daxtier.agent.state.NodeStateBuilder;
import io.daxtier.api.ownership.Ownership;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.api.v1alpha1.PoolSpecLimits;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of the agent, in fixed named steps: observe (inventory), provision, decide (policy),
 * plan, execute, observe again, watch poison, report. It holds only the {@link History}, read from
 * the node record before the first pass and written back whenever a step changed it (an erase's
 * intent and per-DIMM progress before and after each destructive step); the kernel is the source of
 * truth for everything else.
 */
public final class NodeReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(NodeReconciler.class);

  /** First retry delay after a refused offline; doubles per attempt up to {@link #MAX_BACKOFF}. */
  static final Duration BASE_BACKOFF = Duration.ofSeconds(10);

  /**
   * How soon a device waiting on a long step still running (an ARS, a DIMM overwrite) is looked at
   * again: the pass does not wait for the step, a later one sees it finished.
   */
  public static final Duration IN_PROGRESS_RECHECK = Reason.IN_PROGRESS_RECHECK;

  static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

  private final Kernel kernel;
  private final Ndctl ndctl;
  private final Clock clock;
  private final InventoryReader reader;
  private final Executor executor;
  private final HotplugSwitch hotplug;
  private final NodeRecord record;
  private History history = History.empty();
  private History saved;
  private String persistFailure;
  private boolean loaded;
  private boolean recovered;

  public NodeReconciler(Kernel kernel, Ndctl ndctl, Clock clock) {
    this(kernel, ndctl, clock, NodeRecord.inMemory(), false);
  }

  /**
   * @param record the node's durable record (state directory)
   * @param manageHotplug whether the agent switches auto_online_blocks to offline around its
   *     conversions on a kernel that onlines hot-added memory itself ({@code --hotplug-policy
   *     Manage}); otherwise such a kernel blocks pools whose zone it would not pick
   */
  public NodeReconciler(
      Kernel kernel, Ndctl ndctl, Clock clock, NodeRecord record, boolean manageHotplug) {
    this.kernel = kernel;
    this.ndctl = ndctl;
    this.clock = clock;
    this.hotplug = new HotplugSwitch(kernel, record, clock);
    this.reader = new InventoryReader(kernel, () -> record.udevOnline().isPresent(), manageHotplug);
    this.record = record;
    this.executor =
        new Executor(
                kernel, ndctl, Duration.ofMinutes(30), Duration.ofHours(12), hotplug, manageHotplug)
            .journal(new Journal());
  }

  /**
   * Puts back what an agent killed in the middle of a conversion left switched (the record says
   * so), whatever this agent's own settings; once per process, before its first pass writes.
   */
  public Optional<String> recover() {
    if (recovered) {
      return Optional.empty();
    }
    recovered = true;
    return hotplug.recover();
  }

  public History history() {
    return history;
  }

  public Inventory inventory() {
    return reader.read();
  }

  /**
   * Reads the history from the node record, once per process. Without one (a new node, a record set
   * aside, an agent from before the record held it), a node already in use — devices in System RAM,
   * or bad blocks listed — starts cautiously: the listed bad blocks are taken as known (nothing
   * retired for them) and nothing is cleared on a bus before this agent's own ARS there.
   */
  private void load(Inventory inv, boolean write) {
    if (loaded) {
      return;
    }
    loaded = true;
    Optional<History> remembered = record.history();
    if (remembered.isPresent()) {
      history = remembered.get();
      saved = history;
      return;
    }
    boolean inUse =
        inv.devices().stream().anyMatch(d -> d.mode() == DeviceMode.SYSTEM_RAM)
            || inv.regions().stream().anyMatch(r -> !r.badBlocks().isEmpty());
    if (inUse) {
      history = PoisonWatcher.adopt(inv, History.empty()).asCautious();
      LOG.warn(
          "no history in the node record on a node in use: starting cautiously (bad blocks taken"
              + " as known: {}; nothing cleared before a fresh ARS)",
          history.knownBadBlocks());
    }
    if (write) {
      persist();
    }
  }

  /** Writes the history to the node record when it changed; a failure is logged, not thrown. */
  private void persist() {
    if (history.equals(saved)) {
      return;
    }
    try {
      record.saveHistory(history);
      saved = history;
      persistFailure = null;
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).equals(persistFailure)) {
        LOG.error("node record not written (history kept in memory): {}", e.getMessage());
      }
      persistFailure = String.valueOf(e.getMessage());
    }
  }

  /** The executor's erase journal: every change is in the node record before it returns. */
  private final class Journal implements EraseJournal {
    @Override
    public Optional<History.Erase> get(String release) {
      return Optional.ofNullable(history.erases().get(release));
    }

    @Override
    public void put(String release, History.Erase erase) throws IOException {
      History next = history.withErase(release, erase);
      record.saveHistory(next);
      history = next;
      saved = next;
    }

    @Override
    public Optional<History.Scrub> scrub(String bus) {
      return Optional.ofNullable(history.scrubs().get(bus));
    }

    @Override
    public void putScrub(String bus, History.Scrub scrub) throws IOException {
      History next = history.withScrubStarted(bus, scrub);
      record.saveHistory(next);
      history = next;
      saved = next;
    }

    @Override
    public Instant now() {
      return clock.instant();
    }
  }

  /** Decides and plans without writing anything ({@code apply --dry-run}). */
  public PassResult dryRun(List<NodePool> pools, Long generation) {
    Instant now = clock.instant();
    Inventory inv = reader.read();
    load(inv, false);
    List<DeviceDecision> decisions = PoolPolicy.decide(inv, pools, released(history, pools), now);
    // What this pass would do: namespaces to provision, the devices' and node's steps, and what
    // poison already in online memory calls for (devices it converts are looked at once online).
    Plan plan =
        Planner.plan(inv, decisions, pools, history)
            .with(
                Planner.provision(inv, pools),
                PoisonWatcher.plan(inv, owners(decisions, pools), history).steps());
    ExecutionReport none = new ExecutionReport(List.of(), Set.of(), Set.of(), List.of());
    List<DeviceResult> results = Phases.of(decisions, none, inv);
    NodeState state = NodeStateBuilder.build(inv, decisions, pools, history, now, Set.of());
    PmemNodeStatus status =
        StatusBuilder.build(inv, results, pools, history, state, generation, now);
    return new PassResult(inv, decisions, plan, none, inv, results, List.of(), state, status);
  }

  /** Converges the node to the pools (in precedence order) and reports the result. */
  public PassResult reconcile(List<NodePool> pools, Long generation) {
    recover();
    Instant now = clock.instant();
    boolean wantsKmem =
        pools.stream()
            .anyMatch(
                p ->
                    p.state == NodePoolState.Active
                        && p.spec.mode == PoolMode.SystemRam
                        && PoolSpecLimits.check(p.spec).isEmpty());
    if (wantsKmem && !kernel.exists(KernelPaths.DAX_DRIVERS + "/" + KernelPaths.KMEM)) {
      kernel.loadModule(KernelPaths.KMEM);
    }
    Inventory before = reader.read();
    load(before, true);
    history = released(history, pools);
    List<Step> provision = Planner.provision(before, pools);
    List<NodeOutcome> provisioned = executor.provision(provision);
    if (provisioned.stream().anyMatch(NodeOutcome::done)) {
      before = reader.read();
    }
    List<DeviceDecision> decisions = PoolPolicy.decide(before, pools, history, now);
    Plan plan = Planner.plan(before, decisions, pools, history);
    ExecutionReport report = executor.execute(plan, before);
    remember(report, plan, now);
    persist();
    Inventory after = plan.isEmpty() ? before : reader.read();
    PoisonWatcher.Planned poisonPlan = PoisonWatcher.plan(after, owners(decisions, pools), history);
    PoisonWatcher.Result pr =
        PoisonWatcher.account(
            poisonPlan.steps(), executor.retire(poisonPlan.steps()), poisonPlan.history());
    history = pr.history();
    if (!pr.events().isEmpty()) {
      after = reader.read();
    }
    plan = plan.with(provision, poisonPlan.steps());
    List<DeviceResult> results = Phases.of(decisions, report, after);
    serve(decisions, results, pools, after);
    hold(results, pools, after);
    persist();
    Set<String> unfinished =
        report.devices().stream()
            .filter(o -> !(o.outcome() instanceof Outcome.Done))
            .map(DeviceOutcome::device)
            .collect(Collectors.toSet());
    NodeState state = NodeStateBuilder.build(after, decisions, pools, history, now, unfinished);
    PmemNodeStatus status =
        StatusBuilder.build(after, results, pools, history, state, generation, now);
    annotate(status, pools, report);
    return new PassResult(
        before,
        decisions,
        plan,
        report.withProvisioned(provisioned),
        after,
        results,
        pr.events(),
        state,
        status);
  }

  /** The pool each device is decided for, except devices in conflict (no pool of theirs acts). */
  private static Map<String, NodePool> owners(
      List<DeviceDecision> decisions, List<NodePool> pools) {
    Map<String, NodePool> owners = new HashMap<>();
    for (DeviceDecision dd : decisions) {
      if (dd.pool() != null
          && !(dd.decision() instanceof Decision.Block b && b.rule() == Reason.Conflict)) {
        pools.stream()
            .filter(p -> p.name.equals(dd.pool()))
            .findFirst()
            .ifPresent(p -> owners.put(dd.device(), p));
      }
    }
    return owners;
  }

  /**
   * Keeps the DevDax devices handed out to pods: a device of an active DevDax pool that reached
   * Online is served from now on (never cleared again); released or unselected, it is not.
   */
  private void serve(
      List<DeviceDecision> decisions,
      List<DeviceResult> results,
      List<NodePool> pools,
      Inventory after) {
    for (DeviceResult r : results) {
      if (r.pool() == null || r.phase() != DevicePhase.Online) {
        continue;
      }
      boolean devDax =
          pools.stream()
              .anyMatch(
                  p ->
                      p.name.equals(r.pool())
                          && p.state == NodePoolState.Active
                          && p.spec.mode == PoolMode.DevDax);
      boolean isDevDax =
          after.device(r.device()).map(d -> d.mode() == DeviceMode.DEVDAX).orElse(false);
      if (devDax && isDevDax && !r.pool().equals(history.serving().get(r.device()))) {
        history = history.withServing(r.device(), r.pool());
      }
    }
    for (DeviceDecision dd : decisions) {
      if (history.serving().containsKey(dd.device())
          && (dd.decision() instanceof Decision.Release
              || dd.decision() instanceof Decision.Untouched)) {
        history = history.withServing(dd.device(), null);
      }
    }
  }

  /**
   * Forgets the holders that are no longer on the node: the operator drops a pool's entry only once
   * its release is reported done, and a pool file without the pool no longer asks for anything. The
   * kernel's view (a device still in use keeps that use) then protects the device.
   */
  static History released(History history, List<NodePool> pools) {
    History h = history;
    for (Map.Entry<String, History.Owner> e : history.owners().entrySet()) {
      History.Owner o = e.getValue();
      boolean present =
          pools.stream()
              .anyMatch(
                  p ->
                      p.name.equals(o.pool())
                          && (o.uid() == null || p.uid == null || o.uid().equals(p.uid)));
      if (!present) {
        h = h.withOwner(e.getKey(), null);
      }
    }
    return h;
  }

  /**
   * Records which pool holds each device: one that came online (System RAM) or is served (DevDax)
   * for an active pool, or is in a pool's release, is held by that pool; a device released is held
   * by nobody. The policy keeps a held device with its holder whatever other pool comes to select
   * it.
   */
  private void hold(List<DeviceResult> results, List<NodePool> pools, Inventory after) {
    for (DeviceResult r : results) {
      if (r.pool() == null || r.phase() == DevicePhase.Conflict) {
        continue;
      }
      NodePool p = pools.stream().filter(x -> x.name.equals(r.pool())).findFirst().orElse(null);
      if (p == null) {
        continue;
      }
      History.Owner now = history.owners().get(r.device());
      History.Owner next = now;
      if (p.state == NodePoolState.Release) {
        next =
            r.phase() != DevicePhase.Released
                ? new History.Owner(p.name, p.uid, Ownership.Use.Releasing)
                : now != null && now.pool().equals(p.name) ? null : now;
      } else if (r.phase() == DevicePhase.Online) {
        DeviceMode mode = after.device(r.device()).map(DaxDevice::mode).orElse(null);
        if (mode == DeviceMode.SYSTEM_RAM) {
          next = new History.Owner(p.name, p.uid, Ownership.Use.SystemRam);
        } else if (mode == DeviceMode.DEVDAX) {
          next = new History.Owner(p.name, p.uid, Ownership.Use.DevDax);
        }
      }
      if (!Objects.equals(now, next)) {
        history = history.withOwner(r.device(), next);
      }
    }
  }

  /**
   * Adds to the status what only the record knows: a release's erase not finished yet keeps its
   * pool Releasing (its devices may be out of sight while their regions are disabled; a failed step
   * keeps its own reason), and a node record that was set aside shows as Degraded.
   */
  private void annotate(PmemNodeStatus status, List<NodePool> pools, ExecutionReport report) {
    for (NodePoolStatus ps : status.pools) {
      NodePool p = pools.stream().filter(x -> x.name.equals(ps.name)).findFirst().orElse(null);
      String key = p == null ? null : History.releaseKey(p.name, p.uid);
      History.Erase erase = key == null ? null : history.erases().get(key);
      boolean pending = p != null && p.state == NodePoolState.Release && erase != null;
      if (!pending || ps.phase == PoolPhase.Failed) {
        continue;
      }
      String progress =
          "overwritten "
              + erase.completed().size()
              + "/"
              + erase.dimms().size()
              + " DIMMs "
              + erase.dimms();
      if (!erase.done()) {
        ps.phase = PoolPhase.Releasing;
        ps.reason = "Erasing";
        ps.message = progress;
      }
      // The erase resumed by this pass (its devices may be out of sight) stopped: its reason.
      for (NodeOutcome n : report.node()) {
        if (n.step() instanceof Step.ResumeErase r
            && r.release().equals(key)
            && n.outcome() instanceof Outcome.Stopped stop
            && stop.reason().kind() != Reason.Kind.IN_PROGRESS) {
          ps.phase = stop.reason().kind() == Reason.Kind.FAILED ? PoolPhase.Failed : ps.phase;
          ps.reason = stop.reason().name();
          ps.message = stop.message() + " (" + progress + ")";
        }
      }
    }
    record
        .setAside()
        .ifPresent(
            why ->
                status.conditions.stream()
                    .filter(c -> c.getType().equals("Degraded"))
                    .findFirst()
                    .ifPresent(
                        c -> {
                          if (!"True".equals(c.getStatus())) {
                            c.setStatus("True");
                            c.setReason("NodeRecordSetAside");
                            c.setMessage(why);
                          } else {
                            c.setMessage(
                                (c.getMessage() == null || c.getMessage().isEmpty()
                                        ? ""
                                        : c.getMessage() + "; ")
                                    + why);
                          }
                        }));
  }

  private void remember(ExecutionReport report, Plan plan, Instant now) {
    for (String bus : report.scrubbedBuses()) {
      history = history.withScrub(bus, now);
    }
    for (Step s : plan.node()) {
      if (s instanceof Step.EndErase e) {
        history = history.withErase(e.release(), null);
      }
    }
    for (DeviceOutcome o : report.devices()) {
      if (o.outcome() instanceof Outcome.Stopped r && backoff(r.reason(), 1) != null) {
        History.Retry prev = history.retries().get(o.device());
        int attempts = prev == null ? 1 : prev.attempts() + 1;
        history =
            history.withRetry(
                o.device(),
                new History.Retry(
                    r.reason(), r.message(), attempts, now.plus(backoff(r.reason(), attempts))));
      } else if (o.outcome() instanceof Outcome.Done) {
        history = history.withRetry(o.device(), null);
      }
    }
  }

  /**
   * How long a device stopped for {@code why} waits before the next try, by the reason's kind: a
   * long step running is looked at again soon; one refused for now backs off, doubling per attempt
   * up to {@link #MAX_BACKOFF}; blocked and failed devices are not held back (null).
   */
  static Duration backoff(Reason why, int attempts) {
    return switch (why.kind()) {
      case IN_PROGRESS -> why.recheck();
      case WAITING -> {
        Duration wait = BASE_BACKOFF.multipliedBy(1L << Math.min(attempts - 1, 6));
        yield wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
      }
      case BLOCKED, FAILED -> null;
    };
  }
}
