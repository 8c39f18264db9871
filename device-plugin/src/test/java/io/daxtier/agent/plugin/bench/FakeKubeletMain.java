package io.daxtier.agent.plugin.bench;

import io.daxtier.agent.plugin.testing.FakeKubelet;
import java.nio.file.Path;

/**
 * A stand-in kubelet as its own process, for bench/agent-footprint.sh: serves {@code kubelet.sock}
 * in the given directory and prints {@code registered <resource> <epoch-ms>} for each registration,
 * and {@code devices <n> <epoch-ms>} for the first non-empty device list.
 */
public final class FakeKubeletMain {
  private FakeKubeletMain() {}

  public static void main(String[] args) throws InterruptedException {
    FakeKubelet kubelet = new FakeKubelet(Path.of(args[0])).start();
    System.out.println("ready " + System.currentTimeMillis());
    int seen = 0;
    boolean listed = false;
    while (true) {
      var regs = kubelet.registrations();
      for (; seen < regs.size(); seen++) {
        System.out.println(
            "registered " + regs.get(seen).getResourceName() + " " + System.currentTimeMillis());
        var plugin = kubelet.plugin(regs.get(seen).getResourceName());
        if (!listed && plugin.isPresent()) {
          var list = plugin.get().awaitList(devices -> !devices.isEmpty());
          System.out.println(
              "devices " + list.getDevicesCount() + " " + System.currentTimeMillis());
          listed = true;
        }
      }
      System.out.flush();
      Thread.sleep(5);
    }
  }
}
