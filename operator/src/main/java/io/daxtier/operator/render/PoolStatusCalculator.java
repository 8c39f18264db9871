package io.daxtier.operator.render;

import io.daxtier.api.rules.Quantities;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolStatus;
import io.daxtier.api.v1alpha1.PmemPoolStatus.BlockedNode;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.daxtier.operator.model.LabelSelectors;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Aggregates every node's PmemNode into one pool's status (pure). */
public final class PoolStatusCalculator {
  /** Condition types on a PmemPool. */
  public static final String READY = "Ready";

  public static final String DEGRADED = "Degraded";
  public static final String POLICY_BLOCKED = "PolicyBlocked";
  public static final String CONFLICT = "Conflict";

  /** Reason on Ready (and the phase) while the pool's nodeSelector matches no node. */
  public static final String NO_MATCHING_NODES = "NoMatchingNodes";

  /** True while a selected node's agent does not renew its node Lease. */
  public static final String STALE = "Stale";

  /** The reason of {@link #STALE} when it is true. */
  public static final String AGENT_NOT_REPORTING = "AgentNotReporting";

  /** How many nodes a condition message names before it says "and N more". */
  static final int MESSAGE_NODES = 5;

  private PoolStatusCalculator() {}

  /**
   * Computes the status.
   *
   * @param pool the pool (its current status supplies the previous condition transition times)
   * @param nodes every node the pool selects or whose PmemNode holds it
   * @param invalid why the pool cannot be rendered, if it cannot
   * @param now the time stamped on conditions that change
   */
  public static PoolAggregate compute(
      PmemPool pool, List<NodeView> nodes, Optional<String> invalid, Instant now) {
    return compute(pool, nodes, invalid, Set.of(), now);
  }

  /**
   * Computes the status, with the nodes whose agent is not reporting (its node Lease is stale):
   * such a node's last reported state still counts as it was, and it is also counted in {@code
   * staleNodes} and named in the {@link #STALE} condition.
   */
  public static PoolAggregate compute(
      PmemPool pool,
      List<NodeView> nodes,
      Optional<String> invalid,
      Set<String> notReporting,
      Instant now) {
    List<String> stale = new ArrayList<>();
    String name = pool.getMetadata().getName();
    String uid = pool.getMetadata().getUid();
    boolean deleting = pool.isMarkedForDeletion();
    int matched = 0;
    int ready = 0;
    int blocked = 0;
    int degraded = 0;
    int converging = 0;
    long onlineBytes = 0;
    long healthyBytes = 0;
    Map<String, NodeIssue> issues = new TreeMap<>();
    List<String> holding = new ArrayList<>();
    List<String> releasing = new ArrayList<>();
    List<Conflict> conflicts = new ArrayList<>();

    for (NodeView view : nodes) {
      PmemNode pn = view.pmemNode();
      NodePool entry = pn == null ? null : entryOf(pn, name, uid);
      NodePoolStatus agent = pn == null ? null : agentOf(pn, name);
      Map<String, DrainRecord> drains =
          pn == null
              ? Map.of()
              : DrainRecords.parse(
                  pn.getMetadata().getAnnotations() == null
                      ? null
                      : pn.getMetadata().getAnnotations().get(DrainRecords.ANNOTATION));
      if (entry != null) {
        holding.add(view.node());
      }
      if (agent != null && agent.onlineBytes != null) {
        onlineBytes += agent.onlineBytes;
        healthyBytes += agent.healthyBytes == null ? agent.onlineBytes : agent.healthyBytes;
      }
      boolean leaving =
          entry != null
              && (deleting
                  || !view.selected()
                  || entry.state == NodePoolState.Release
                  || drains.containsKey(name));
      if (leaving) {
        releasing.add(view.node());
        DrainRecord drain = drains.get(name);
        if (drain != null && drain.isAbandoned()) {
          issues.put(
              view.node(),
              new NodeIssue(
                  NodeIssue.Kind.ReleaseStuck,
                  "DrainTimeout",
                  "pods using the pool's resource could not be evicted within drainTimeout"));
        } else if (agent != null
            && agent.reason != null
            && (agent.phase == PoolPhase.Releasing || agent.phase == PoolPhase.Failed)) {
          issues.put(
              view.node(),
              new NodeIssue(NodeIssue.Kind.ReleaseStuck, agent.reason, nz(agent.message)));
        }
        continue;
      }
      if (!view.selected()) {
        continue;
      }
      matched++;
      if (notReporting.contains(view.node())) {
        stale.add(view.node());
      }
      PoolPhase phase = agent == null || entry == null ? PoolPhase.Pending : agent.phase;
      if (phase == null) {
        phase = PoolPhase.Pending;
      }
      switch (phase) {
        case Ready -> ready++;
        case Blocked -> {
          blocked++;
          issues.put(
              view.node(),
              new NodeIssue(
                  NodeIssue.Kind.Blocked, orElse(agent.reason, "PolicyBlocked"), agent.message));
        }
        case Degraded -> {
          degraded++;
          issues.put(
              view.node(),
              new NodeIssue(
                  NodeIssue.Kind.Degraded, orElse(agent.reason, "Degraded"), agent.message));
        }
        case Converging -> converging++;
        default -> {
          // Pending, Failed, Releasing, Released: counted as matched only
        }
      }
      if (pn != null && pn.getSpec() != null) {
        for (Conflict c :
            ConflictFinder.find(
                view.node(),
                pn.getSpec().pools,
                pn.getStatus() == null ? List.of() : pn.getStatus().devices)) {
          if (c.pool().equals(name)) {
            conflicts.add(c);
            issues.putIfAbsent(
                view.node(), new NodeIssue(NodeIssue.Kind.Conflict, c.kind().name(), c.message()));
          }
        }
      }
    }

    PmemPoolStatus previous = pool.getStatus();
    PmemPoolStatus s = new PmemPoolStatus();
    s.observedGeneration = pool.getMetadata().getGeneration();
    s.matchedNodes = matched;
    s.readyNodes = ready;
    s.blockedNodes = blocked;
    s.staleNodes = stale.size();
    s.onlineBytes = onlineBytes;
    s.healthyBytes = healthyBytes;
    s.onlineCapacity = Quantities.format(onlineBytes);
    s.blockedNodeList =
        issues.entrySet().stream()
            .filter(
                e ->
                    e.getValue().kind() == NodeIssue.Kind.Blocked
                        || e.getValue().kind() == NodeIssue.Kind.ReleaseStuck)
            .limit(PmemPoolStatus.MAX_BLOCKED_NODES)
            .map(e -> new BlockedNode(e.getKey(), e.getValue().reason(), e.getValue().message()))
            .collect(Collectors.toCollection(ArrayList::new));

    boolean releasingAny = deleting || !releasing.isEmpty();
    if (releasingAny) {
      s.phase = PoolPhase.Releasing;
    } else if (invalid.isPresent()) {
      s.phase = PoolPhase.Failed;
    } else if (matched == 0) {
      s.phase = PoolPhase.NoMatchingNodes;
    } else if (ready == matched) {
      s.phase = PoolPhase.Ready;
    } else if (degraded > 0) {
      s.phase = PoolPhase.Degraded;
    } else if (blocked > 0) {
      s.phase = PoolPhase.Blocked;
    } else if (converging > 0 || ready > 0) {
      s.phase = PoolPhase.Converging;
    } else {
      s.phase = PoolPhase.Pending;
    }

    Conds conds = new Conds(previous, pool.getMetadata().getGeneration(), now);
    if (invalid.isPresent()) {
      conds.set(READY, false, "InvalidSpec", invalid.get());
    } else if (releasingAny) {
      List<String> stuck =
          issues.entrySet().stream()
              .filter(e -> e.getValue().kind() == NodeIssue.Kind.ReleaseStuck)
              .map(e -> e.getKey() + " (" + e.getValue().reason() + ")")
              .toList();
      String msg =
          (deleting ? "pool is being deleted; " : "")
              + releasing.size()
              + " node(s) releasing"
              + (stuck.isEmpty() ? "" : ", waiting on " + join(stuck));
      conds.set(READY, false, stuck.isEmpty() ? "Releasing" : "ReleaseBlocked", msg);
    } else if (matched == 0) {
      conds.set(READY, false, NO_MATCHING_NODES, noMatchingNodesMessage(pool));
    } else if (ready == matched) {
      conds.set(READY, true, "AllNodesReady", ready + " of " + matched + " nodes ready");
    } else {
      conds.set(READY, false, "NodesNotReady", ready + " of " + matched + " nodes ready");
    }
    conds.issue(DEGRADED, issues, NodeIssue.Kind.Degraded, "NoDegradedNodes", "degraded");
    conds.issue(POLICY_BLOCKED, issues, NodeIssue.Kind.Blocked, "NotBlocked", "blocked by policy");
    if (conflicts.isEmpty()) {
      conds.set(CONFLICT, false, "NoConflict", "no other pool claims this pool's devices");
    } else {
      conflicts.sort(Comparator.comparing(Conflict::node).thenComparing(Conflict::subject));
      conds.set(
          CONFLICT,
          true,
          conflicts.get(0).kind().name(),
          join(conflicts.stream().map(Conflict::message).toList()));
    }
    if (stale.isEmpty()) {
      conds.set(STALE, false, "AllAgentsReporting", "every node's agent renews its Lease");
    } else {
      stale.sort(Comparator.naturalOrder());
      conds.set(
          STALE,
          true,
          AGENT_NOT_REPORTING,
          stale.size() + " node(s) whose agent does not renew its Lease: " + join(stale));
    }
    s.conditions = conds.list;

    Map<String, Integer> byState = new LinkedHashMap<>();
    byState.put("matched", matched);
    byState.put("ready", ready);
    byState.put("blocked", blocked);
    byState.put("degraded", degraded);
    byState.put("releasing", releasing.size());
    byState.put("stale", stale.size());
    return new PoolAggregate(s, issues, holding, byState);
  }

  /** Reason of {@link DeviceClassOutcome#CONDITION} False: no resource.k8s.io/v1 on the server. */
  public static final String DRA_UNAVAILABLE = "DRAUnavailable";

  /** Reason of {@link DeviceClassOutcome#CONDITION} False: another object holds the name. */
  public static final String DEVICE_CLASS_NAME_TAKEN = "DeviceClassNameTaken";

  /**
   * {@code status} (computed by {@link #compute}) with what became of the pool's DeviceClass: its
   * name in {@code deviceClass} and condition {@link DeviceClassOutcome#CONDITION}; nothing for a
   * device-plugin pool. The transition time of an unchanged condition is kept from {@code pool}'s
   * current status.
   */
  public static PmemPoolStatus withDeviceClass(
      PmemPool pool, PmemPoolStatus status, DeviceClassOutcome outcome, Instant now) {
    status.conditions.removeIf(c -> DeviceClassOutcome.CONDITION.equals(c.getType()));
    status.deviceClass = null;
    if (outcome instanceof DeviceClassOutcome.Unchanged) {
      PmemPoolStatus previous = pool.getStatus();
      if (previous != null) {
        status.deviceClass = previous.deviceClass;
        if (previous.conditions != null) {
          previous.conditions.stream()
              .filter(c -> DeviceClassOutcome.CONDITION.equals(c.getType()))
              .forEach(status.conditions::add);
        }
      }
      return status;
    }
    Conds conds = new Conds(pool.getStatus(), pool.getMetadata().getGeneration(), now);
    String type = DeviceClassOutcome.CONDITION;
    if (outcome instanceof DeviceClassOutcome.Ready r) {
      status.deviceClass = r.name();
      conds.set(
          type,
          true,
          "DeviceClassRendered",
          "DeviceClass " + r.name() + " selects the pool's devices of driver memory.daxtier.io");
    } else if (outcome instanceof DeviceClassOutcome.Unavailable u) {
      conds.set(
          type,
          false,
          DRA_UNAVAILABLE,
          "the API server does not serve resource.k8s.io/v1 DeviceClasses (Kubernetes 1.34 or"
              + " later): DeviceClass "
              + u.name()
              + " not created; use resource.api DevicePlugin, or upgrade and restart the"
              + " operator");
    } else if (outcome instanceof DeviceClassOutcome.NameTaken t) {
      conds.set(
          type,
          false,
          DEVICE_CLASS_NAME_TAKEN,
          "a DeviceClass named " + t.name() + " exists and is not this pool's: left alone");
    } else {
      return status; // None: a device-plugin pool
    }
    status.conditions.addAll(conds.list);
    return status;
  }

  /** Names the selector, so that a person sees which labels no node carries. */
  static String noMatchingNodesMessage(PmemPool pool) {
    String selector =
        LabelSelectors.describe(pool.getSpec() == null ? null : pool.getSpec().nodeSelector);
    return selector.isEmpty()
        ? "no node to select: the nodeSelector is empty (every node) and the cluster has no node"
        : "no node matches the nodeSelector \"" + selector + "\"; label a node or change the pool";
  }

  private static NodePool entryOf(PmemNode pn, String name, String uid) {
    if (pn.getSpec() == null || pn.getSpec().pools == null) {
      return null;
    }
    return pn.getSpec().pools.stream()
        .filter(e -> name.equals(e.name) && (e.uid == null || Objects.equals(e.uid, uid)))
        .findFirst()
        .orElse(null);
  }

  private static NodePoolStatus agentOf(PmemNode pn, String name) {
    if (pn.getStatus() == null || pn.getStatus().pools == null) {
      return null;
    }
    return pn.getStatus().pools.stream().filter(p -> name.equals(p.name)).findFirst().orElse(null);
  }

  private static String join(List<String> items) {
    String head = String.join("; ", items.subList(0, Math.min(MESSAGE_NODES, items.size())));
    return items.size() > MESSAGE_NODES
        ? head + "; and " + (items.size() - MESSAGE_NODES) + " more"
        : head;
  }

  private static String orElse(String s, String fallback) {
    return s == null || s.isEmpty() ? fallback : s;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  /** Builds conditions, keeping a condition's transition time while its status holds. */
  private static final class Conds {
    final List<Condition> list = new ArrayList<>();
    final PmemPoolStatus previous;
    final Long generation;
    final Instant now;

    Conds(PmemPoolStatus previous, Long generation, Instant now) {
      this.previous = previous;
      this.generation = generation;
      this.now = now;
    }

    void set(String type, boolean status, String reason, String message) {
      String st = status ? "True" : "False";
      String since = now.toString();
      if (previous != null && previous.conditions != null) {
        for (Condition c : previous.conditions) {
          if (type.equals(c.getType()) && st.equals(c.getStatus())) {
            since = c.getLastTransitionTime();
          }
        }
      }
      Condition c = new Condition();
      c.setType(type);
      c.setStatus(st);
      c.setReason(reason);
      c.setMessage(message);
      c.setObservedGeneration(generation);
      c.setLastTransitionTime(since);
      list.add(c);
    }

    void issue(
        String type,
        Map<String, NodeIssue> issues,
        NodeIssue.Kind kind,
        String okReason,
        String what) {
      List<Map.Entry<String, NodeIssue>> hits =
          issues.entrySet().stream().filter(e -> e.getValue().kind() == kind).toList();
      if (hits.isEmpty()) {
        set(type, false, okReason, "no node is " + what);
        return;
      }
      set(
          type,
          true,
          hits.get(0).getValue().reason(),
          hits.size()
              + " node(s) "
              + what
              + ": "
              + join(
                  hits.stream()
                      .map(e -> e.getKey() + " (" + e.getValue().reason() + ")")
                      .toList()));
    }
  }
}
