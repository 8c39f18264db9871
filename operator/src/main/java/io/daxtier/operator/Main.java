package io.daxtier.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Process entry point: reads the configuration, starts the operator, stops it on SIGTERM. */
public final class Main {
  private static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  private Main() {}

  /**
   * Entry point; exit code 2 on bad configuration, 1 when start-up fails or the lease was lost (the
   * pod then restarts and joins as a standby).
   */
  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) {
    // With 2 CPUs the common ForkJoinPool has parallelism 1 and CompletableFuture then starts a new
    // thread per async task; the JDK HTTP client under Fabric8 uses many. Set before first use.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, "8");
    }
    System.exit(run(args));
  }

  /** Runs until the JVM is asked to stop; returns the process exit code. */
  static int run(String[] args) {
    Logger log = LoggerFactory.getLogger(Main.class);
    if (Arrays.asList(args).contains("--help")) {
      System.out.println("daxtier operator. Settings (environment variable / flag, default):");
      OperatorConfig.SETTINGS.forEach(
          s ->
              System.out.printf(
                  "  %-36s %-38s %s%n  %s%n", s.env(), s.flag(), s.defaultValue(), s.help()));
      return 0;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.parse(System.getenv(), Arrays.asList(args));
    } catch (OperatorConfig.ConfigException e) {
      log.error("bad configuration ({}): {}", e.reason(), e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    try {
      KubernetesClient client = new KubernetesClientBuilder().build();
      DaxtierOperator.Handle handle = DaxtierOperator.start(client, config);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    log.info("stopping");
                    handle.stop();
                    client.close();
                    stopped.countDown();
                  },
                  "daxtier-shutdown"));
      handle.leadership().onLoss(stopped::countDown);
      stopped.await();
      if (handle.leadership().lost()) {
        log.error("exiting: this instance lost the lease ({})", handle.leadership().lostReason());
        return 1;
      }
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (RuntimeException e) {
      log.error("start-up failed: {}", e.toString(), e);
      return 1;
    }
  }
}
