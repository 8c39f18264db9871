package io.daxtier.agent.cli;

import io.daxtier.agent.kernel.DeadlineKernel;
import io.daxtier.agent.kernel.FaultInjection;
import io.daxtier.agent.kernel.HostKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.sim.SimNodeLoader;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.ndctl.Ndctl;
import io.daxtier.agent.ndctl.ProcessNdctl;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import io.daxtier.agent.ndctl.UnavailableNdctl;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.record.NodeRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.IntSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code daxtier-agent} command line: global options and the three commands. */
@Command(
    name = "daxtier-agent",
    mixinStandardHelpOptions = true,
    version = "daxtier-agent 0.1.0",
    description = "Turns device-dax memory (PMEM, CXL, soft-reserved) into NUMA memory, safely.",
    footer = ExitCodes.HELP,
    subcommands = {InventoryCommand.class, ApplyCommand.class, RunCommand.class})
public final class Main implements Runnable {

  @Option(
      names = "--root",
      paramLabel = "DIR",
      description = "Tree holding sys/, proc/ and dev/ (default /).")
  Path root = Path.of("/");

  @Option(
      names = "--simulate",
      paramLabel = "FILE",
      description = "Run on the simulated kernel described by FILE (docs/simulated-node.md).")
  Path simulate;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "Where the agent keeps its durable node record (default /var/lib/daxtier; under --root"
              + " DIR: DIR/var/lib/daxtier; in memory with --simulate unless given).")
  Path stateDir;

  /** What the agent does on a kernel that onlines hot-added memory itself. */
  enum HotplugPolicy {
    /** Block pools whose zone the kernel would not pick, naming the fixes. */
    Respect,
    /** Switch auto_online_blocks to offline around each conversion and restore it right after. */
    Manage
  }

  @Option(
      names = "--hotplug-policy",
      paramLabel = "POLICY",
      description =
          "Respect (default): on a kernel that onlines hot-added memory itself, block a pool whose"
              + " zone it would not pick and name the fixes. Manage: switch auto_online_blocks to"
              + " offline for each conversion and restore it right after (the previous value is"
              + " kept in the state directory, restored on the next start if the agent dies).")
  HotplugPolicy hotplugPolicy = HotplugPolicy.Respect;

  @Option(
      names = "--write-deadline",
      paramLabel = "DURATION",
      description =
          "How long a pass waits for a sysfs write that can block in the kernel (a memory block's"
              + " online/offline, a dax driver bind/unbind) before it reports the device in"
              + " progress and goes on; the write goes on in the kernel (default 30s).")
  String writeDeadline = "30s";

  private IntSupplier euid = Main::effectiveUid;
  private NodeRecord record;
  private Kernel kernel;
  private Ndctl ndctl;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "a command is required");
  }

  /** The kernel the command works on, built once. */
  Kernel kernel() throws IOException {
    if (kernel == null) {
      if (simulate != null) {
        SimulatedKernel sim = SimNodeLoader.load(simulate);
        kernel = sim;
        ndctl = new SimulatedNdctl(sim);
      } else {
        // blocking writes run on the deadline kernel's workers, so a hung offline cannot hold
        // the pass (the simulated kernel never blocks)
        kernel =
            new DeadlineKernel(
                FaultInjection.wrap(new HostKernel(root), System.getenv(FaultInjection.ENV)),
                Sizes.parseDuration(writeDeadline));
        // the host's ndctl acts on the host's buses and DIMMs, never on a tree under --root
        ndctl = hostRoot() ? new ProcessNdctl() : new UnavailableNdctl(UnavailableNdctl.UNDER_ROOT);
      }
    }
    return kernel;
  }

  /** The node record: {@code --state-dir}, or the default for the kernel in use. */
  NodeRecord record() {
    if (record == null) {
      if (stateDir != null) {
        record = NodeRecord.open(stateDir);
      } else if (simulated() || kernel instanceof SimulatedKernel) {
        record = NodeRecord.inMemory();
      } else {
        String rel = NodeRecord.DEFAULT_DIR.toString().substring(1);
        record = NodeRecord.open(root.resolve(rel));
      }
    }
    return record;
  }

  /** One reconciler with the agent's settings (record, hotplug policy). */
  NodeReconciler reconciler() throws IOException {
    return new NodeReconciler(
        kernel(), ndctl(), Clock.systemUTC(), record(), hotplugPolicy == HotplugPolicy.Manage);
  }

  Ndctl ndctl() throws IOException {
    kernel();
    return ndctl;
  }

  /** Whether the agent works on this host's own /sys (no --root, or --root /). */
  boolean hostRoot() {
    return root.toAbsolutePath().normalize().equals(Path.of("/"));
  }

  boolean simulated() {
    return simulate != null;
  }

  /** Writes need root on a real host; the simulator and fixture trees do not. */
  boolean mayWrite() {
    return simulated()
        || kernel instanceof SimulatedKernel
        || !root.equals(Path.of("/"))
        || euid.getAsInt() == 0;
  }

  /** Injects the kernel, ndctl and uid (tests). */
  public Main with(Kernel k, Ndctl n, IntSupplier uid) {
    return with(k, n, uid, null);
  }

  /** Injects the kernel, ndctl, uid and node record (tests; null: the default record). */
  public Main with(Kernel k, Ndctl n, IntSupplier uid, NodeRecord r) {
    this.record = r;
    this.kernel = k;
    this.ndctl = n;
    this.euid = uid;
    return this;
  }

  static int effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.split("\\s+")[2]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Runs a command line and returns the exit code (no System.exit). */
  public static int execute(Main main, PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(main);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (ex, line, parse) -> {
          line.getErr().println("error: " + ex.getMessage());
          return ExitCodes.ERROR;
        });
    return cl.execute(args);
  }

  @SuppressWarnings("checkstyle:regexp")
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = execute(new Main(), out, err, args);
    if (code != 0 || !RunCommand.keepsRunning()) {
      System.exit(code);
    }
  }
}
