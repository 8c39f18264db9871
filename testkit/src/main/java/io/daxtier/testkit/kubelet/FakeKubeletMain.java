package io.daxtier.testkit.kubelet;

import io.daxtier.deviceplugin.v1beta1.RegisterRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@link FakeKubelet} as a process: {@code FakeKubeletMain DIR [--allocate-once]} serves {@code
 * kubelet.sock} in {@code DIR} until killed and prints, each with the epoch milliseconds, {@code
 * ready <ms>}, {@code registered <resource> <ms>} for each registration and {@code devices <n>
 * <ms>} for the first non-empty device list (bench/agent-footprint.sh reads these). With {@code
 * --allocate-once} it also walks the first plugin that lists a device through what a kubelet does
 * for a pod (GetPreferredAllocation, Allocate), then creates {@value #ALLOCATED} in {@code DIR} and
 * prints {@code allocated <ms>}: the stand-in kubelet of the agent's class-data training run
 * (device-plugin/cds-archive.sh, whose {@code run --cds-training} waits for that file).
 */
public final class FakeKubeletMain {
  /** The file {@code --allocate-once} creates; the agent's {@code RunCommand} names it too. */
  public static final String ALLOCATED = "cds-training.allocated";

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private FakeKubeletMain() {}

  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) throws InterruptedException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    boolean allocate = args.length == 2 && args[1].equals("--allocate-once");
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !allocate)) {
      System.err.println("usage: FakeKubeletMain DIR [--allocate-once]");
      System.exit(2);
    }
    FakeKubelet kubelet = new FakeKubelet(Path.of(args[0])).start();
    Runtime.getRuntime().addShutdownHook(new Thread(kubelet::close));
    out.println("ready " + System.currentTimeMillis());
    CompletableFuture<Boolean> allocated =
        allocate ? allocateOnce(kubelet) : new CompletableFuture<>();
    int seen = 0;
    boolean listed = false;
    boolean reported = false;
    while (true) {
      List<RegisterRequest> regs = kubelet.registrations();
      for (; seen < regs.size(); seen++) {
        out.println(
            "registered " + regs.get(seen).getResourceName() + " " + System.currentTimeMillis());
      }
      if (!listed) {
        Optional<Integer> devices =
            kubelet.plugins().stream()
                .map(c -> c.latest().map(l -> l.getDevicesCount()).orElse(0))
                .filter(n -> n > 0)
                .findFirst();
        if (devices.isPresent()) {
          out.println("devices " + devices.get() + " " + System.currentTimeMillis());
          listed = true;
        }
      }
      if (!reported && allocated.isDone()) {
        reported = true;
        String failure =
            allocated
                .handle(
                    (ok, e) ->
                        e != null
                            ? "allocation failed: " + e
                            : ok ? null : "no device listed within " + TIMEOUT.toSeconds() + "s")
                .join();
        if (failure != null) {
          System.err.println(failure);
          System.exit(1);
        }
        out.println("allocated " + System.currentTimeMillis());
      }
      Thread.sleep(5);
    }
  }

  /**
   * On a thread of its own: GetPreferredAllocation and Allocate of the first device a plugin lists,
   * then {@value #ALLOCATED} in the kubelet's directory; false after a minute without a device.
   */
  public static CompletableFuture<Boolean> allocateOnce(FakeKubelet kubelet) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                done.complete(allocate(kubelet, kubelet.dir()));
              } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
              }
            },
            "fake-kubelet-allocate");
    t.setDaemon(true);
    t.start();
    return done;
  }

  private static boolean allocate(FakeKubelet kubelet, Path dir)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<PluginConnection> listing =
          kubelet.plugins().stream()
              .filter(c -> c.latest().map(l -> l.getDevicesCount() > 0).orElse(false))
              .findFirst();
      if (listing.isPresent()) {
        PluginConnection plugin = listing.get();
        String id = plugin.latest().orElseThrow().getDevices(0).getID();
        plugin.preferred(List.of(id), List.of(), 1);
        plugin.allocate(List.of(id));
        Path tmp = dir.resolve(ALLOCATED + ".tmp");
        Files.writeString(tmp, plugin.resourceName() + " " + id + "\n");
        Files.move(tmp, dir.resolve(ALLOCATED), StandardCopyOption.ATOMIC_MOVE);
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }
}
