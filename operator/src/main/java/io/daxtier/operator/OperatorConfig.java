package io.daxtier.operator;

import io.daxtier.api.rules.GoDurations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Startup configuration. Every setting is an environment variable {@code DAXTIER_X_Y} and a flag
 * {@code --x-y=value}; a flag wins over the variable, which wins over the default (see {@link
 * #SETTINGS}, documented in docs/operator.md).
 *
 * @param leaderElection take a Lease before reconciling (run several replicas safely)
 * @param leaseName the Lease's name
 * @param leaseNamespace the Lease's namespace (default: POD_NAMESPACE, else daxtier-system)
 * @param identity this replica's identity in the Lease (default: POD_NAME, else HOSTNAME)
 * @param httpPort port of /healthz, /readyz and /metrics; negative disables, 0 picks a free port
 * @param reconcileThreads reconciles that may run at once
 * @param eventNamespace where Events about the cluster-scoped pools go
 * @param drainPoll how often a running drain is looked at again
 * @param releaseRecheck how often a deleted pool waiting for nodes is looked at again
 * @param poolReconcilesPerSecond upper bound of status aggregations per pool per second
 * @param leaseDuration how long the Lease holds without renewal; the leader renews every {@code
 *     leaseDuration * 2/15} and stops writing {@code leaseDuration * 2/3} after its last renewal
 * @param agentStaleAfter how long an agent's node Lease (in {@code leaseNamespace}) may go
 *     unrenewed before the pools report its node as not reporting
 */
public record OperatorConfig(
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    String identity,
    int httpPort,
    int reconcileThreads,
    String eventNamespace,
    Duration drainPoll,
    Duration releaseRecheck,
    int poolReconcilesPerSecond,
    Duration leaseDuration,
    Duration agentStaleAfter) {

  /** How long an agent's node Lease may go unrenewed before its node counts as not reporting. */
  public static final Duration DEFAULT_AGENT_STALE_AFTER = Duration.ofSeconds(40);

  /** The lease duration the settings default to (JOSDK's and client-go's). */
  public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);

  /** The same configuration with another agent stale threshold. */
  public OperatorConfig withAgentStaleAfter(Duration staleAfter) {
    return new OperatorConfig(
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        httpPort,
        reconcileThreads,
        eventNamespace,
        drainPoll,
        releaseRecheck,
        poolReconcilesPerSecond,
        leaseDuration,
        staleAfter);
  }

  /**
   * How long after its last renewal a leader stops writing: two thirds of the lease duration (10s
   * of 15s), so it is silent before anyone else may take the Lease.
   */
  public Duration renewDeadline() {
    return leaseDuration.multipliedBy(2).dividedBy(3);
  }

  /** How often the Lease is renewed (and tried by standbys): 2s of 15s. */
  public Duration retryPeriod() {
    return leaseDuration.multipliedBy(2).dividedBy(15);
  }

  /** One documented setting: its name (env form), default, and meaning. */
  public record Setting(String env, String defaultValue, String help) {
    /** The flag spelling of this setting. */
    public String flag() {
      return "--"
          + env.substring("DAXTIER_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** Every setting with its default, in documentation order. */
  public static final List<Setting> SETTINGS =
      List.of(
          new Setting("DAXTIER_LEADER_ELECTION", "true", "Take a Lease before reconciling."),
          new Setting("DAXTIER_LEASE_NAME", "daxtier-operator", "Name of the Lease."),
          new Setting(
              "DAXTIER_LEASE_NAMESPACE",
              "$POD_NAMESPACE or daxtier-system",
              "Namespace of the Lease."),
          new Setting("DAXTIER_IDENTITY", "$POD_NAME or $HOSTNAME", "Identity in the Lease."),
          new Setting(
              "DAXTIER_LEASE_DURATION",
              "15s",
              "How long the Lease holds unrenewed; renewal every 2/15 of it, writes stop after"
                  + " 2/3 without one."),
          new Setting(
              "DAXTIER_HTTP_PORT",
              "8080",
              "Port of /healthz, /readyz, /metrics; -1 disables, 0 picks a free port."),
          new Setting("DAXTIER_RECONCILE_THREADS", "20", "Reconciles running at once."),
          new Setting("DAXTIER_EVENT_NAMESPACE", "default", "Namespace of the Events about pools."),
          new Setting("DAXTIER_DRAIN_POLL", "5s", "How often a running drain is re-checked."),
          new Setting(
              "DAXTIER_RELEASE_RECHECK",
              "30s",
              "How often a deleted pool waiting for its nodes is re-checked."),
          new Setting(
              "DAXTIER_POOL_RECONCILES_PER_SECOND",
              "2",
              "Most status aggregations per pool per second (each reads every node)."),
          new Setting(
              "DAXTIER_AGENT_STALE_AFTER",
              "40s",
              "A node whose agent Lease (daxtier-agent-<node> in the Lease namespace) is older is"
                  + " reported not reporting (pool status staleNodes, condition Stale)."));

  /** The defaults, with the Kubernetes downward-API variables of {@code env} applied. */
  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return parse(env, List.of());
  }

  /**
   * Reads {@code env} and then {@code args} ({@code --name=value} or {@code --name value}).
   *
   * @throws ConfigException naming the bad setting
   */
  public static OperatorConfig parse(Map<String, String> env, List<String> args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Setting s : SETTINGS) {
      if (env.get(s.env()) != null && !env.get(s.env()).isBlank()) {
        values.put(s.env(), env.get(s.env()).trim());
      }
    }
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      Setting s =
          SETTINGS.stream()
              .filter(x -> x.flag().equals(flag))
              .findFirst()
              .orElseThrow(() -> new ConfigException("UnknownFlag", arg, "unknown flag"));
      String value;
      if (arg.contains("=")) {
        value = arg.substring(arg.indexOf('=') + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new ConfigException("MissingValue", flag, "flag needs a value");
      }
      values.put(s.env(), value);
    }
    String host = env.getOrDefault("HOSTNAME", "daxtier-operator-" + UUID.randomUUID());
    return new OperatorConfig(
        get(values, "DAXTIER_LEADER_ELECTION", "true", OperatorConfig::bool),
        get(values, "DAXTIER_LEASE_NAME", "daxtier-operator", Function.identity()),
        get(
            values,
            "DAXTIER_LEASE_NAMESPACE",
            env.getOrDefault("POD_NAMESPACE", "daxtier-system"),
            Function.identity()),
        get(values, "DAXTIER_IDENTITY", env.getOrDefault("POD_NAME", host), Function.identity()),
        get(values, "DAXTIER_HTTP_PORT", "8080", Integer::parseInt),
        get(values, "DAXTIER_RECONCILE_THREADS", "20", OperatorConfig::positive),
        get(values, "DAXTIER_EVENT_NAMESPACE", "default", Function.identity()),
        get(values, "DAXTIER_DRAIN_POLL", "5s", OperatorConfig::duration),
        get(values, "DAXTIER_RELEASE_RECHECK", "30s", OperatorConfig::duration),
        get(values, "DAXTIER_POOL_RECONCILES_PER_SECOND", "2", OperatorConfig::positive),
        get(values, "DAXTIER_LEASE_DURATION", "15s", OperatorConfig::duration),
        get(values, "DAXTIER_AGENT_STALE_AFTER", "40s", OperatorConfig::duration));
  }

  /** The same configuration without leader election and HTTP endpoints (tests, sandbox). */
  public OperatorConfig embedded() {
    return new OperatorConfig(
        false,
        leaseName,
        leaseNamespace,
        identity,
        -1,
        reconcileThreads,
        eventNamespace,
        drainPoll,
        releaseRecheck,
        poolReconcilesPerSecond,
        leaseDuration,
        agentStaleAfter);
  }

  /** The same configuration with another drain poll interval. */
  public OperatorConfig withDrainPoll(Duration poll) {
    return new OperatorConfig(
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        httpPort,
        reconcileThreads,
        eventNamespace,
        poll,
        releaseRecheck,
        poolReconcilesPerSecond,
        leaseDuration,
        agentStaleAfter);
  }

  /** The same configuration with leader election switched on or off. */
  public OperatorConfig withLeaderElection(boolean on, String namespace, String id) {
    return new OperatorConfig(
        on,
        leaseName,
        namespace,
        id,
        httpPort,
        reconcileThreads,
        eventNamespace,
        drainPoll,
        releaseRecheck,
        poolReconcilesPerSecond,
        leaseDuration,
        agentStaleAfter);
  }

  /** The same configuration with another lease duration (and so renew deadline and period). */
  public OperatorConfig withLeaseDuration(Duration lease) {
    return new OperatorConfig(
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        httpPort,
        reconcileThreads,
        eventNamespace,
        drainPoll,
        releaseRecheck,
        poolReconcilesPerSecond,
        lease,
        agentStaleAfter);
  }

  /** The same configuration serving HTTP on {@code port}. */
  public OperatorConfig withHttpPort(int port) {
    return new OperatorConfig(
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        port,
        reconcileThreads,
        eventNamespace,
        drainPoll,
        releaseRecheck,
        poolReconcilesPerSecond,
        leaseDuration,
        agentStaleAfter);
  }

  /** The same configuration with more or fewer reconcile threads. */
  public OperatorConfig withReconcileThreads(int threads) {
    return new OperatorConfig(
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        httpPort,
        threads,
        eventNamespace,
        drainPoll,
        releaseRecheck,
        poolReconcilesPerSecond,
        leaseDuration,
        agentStaleAfter);
  }

  private static <T> T get(
      Map<String, String> values, String env, String dflt, Function<String, T> parser) {
    String raw = values.getOrDefault(env, dflt);
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      throw new ConfigException("InvalidValue", env, "cannot use '" + raw + "': " + e.getMessage());
    }
  }

  private static boolean bool(String s) {
    if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException("expected true or false");
    }
    return Boolean.parseBoolean(s);
  }

  private static int positive(String s) {
    int v = Integer.parseInt(s);
    if (v < 1) {
      throw new IllegalArgumentException("must be at least 1");
    }
    return v;
  }

  private static Duration duration(String s) {
    return GoDurations.parse(s)
        .filter(d -> !d.isZero())
        .orElseThrow(() -> new IllegalArgumentException("expected a duration such as 5s"));
  }

  /** A configuration error with a machine-readable reason and the setting it concerns. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String reason;
    private final String setting;

    public ConfigException(String reason, String setting, String message) {
      super(setting + ": " + message);
      this.reason = reason;
      this.setting = setting;
    }

    /** Machine-readable reason: UnknownFlag, MissingValue or InvalidValue. */
    public String reason() {
      return reason;
    }

    /** The env variable or flag at fault. */
    public String setting() {
      return setting;
    }
  }
}
