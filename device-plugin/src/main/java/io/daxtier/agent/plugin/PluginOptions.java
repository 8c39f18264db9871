package io.daxtier.agent.plugin;

import java.time.Duration;

/**
 * Tunables of the device plugin, with production defaults in {@link #defaults()}.
 *
 * @param socketPrefix prefix of every plugin socket's file name
 * @param registerTimeout deadline of one Register call
 * @param firstRetryDelay delay before the first registration retry; doubles per attempt
 * @param maxRetryDelay cap of the retry delay
 * @param maxRegisterAttempts attempts against one kubelet before the failure is fatal
 * @param watchInterval how often the kubelet directory's events are read
 * @param resyncInterval how often sockets and servers are checked without any event
 */
public record PluginOptions(
    String socketPrefix,
    Duration registerTimeout,
    Duration firstRetryDelay,
    Duration maxRetryDelay,
    int maxRegisterAttempts,
    Duration watchInterval,
    Duration resyncInterval) {

  public PluginOptions {
    if (maxRegisterAttempts < 1) {
      throw new IllegalArgumentException("maxRegisterAttempts must be at least 1");
    }
  }

  public static PluginOptions defaults() {
    return new PluginOptions(
        "daxtier-",
        Duration.ofSeconds(5),
        Duration.ofMillis(100),
        Duration.ofSeconds(5),
        10,
        Duration.ofMillis(100),
        Duration.ofSeconds(2));
  }

  public PluginOptions withRetries(Duration first, Duration max, int attempts) {
    return new PluginOptions(
        socketPrefix, registerTimeout, first, max, attempts, watchInterval, resyncInterval);
  }
}
