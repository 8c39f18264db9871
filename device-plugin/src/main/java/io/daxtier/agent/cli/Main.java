package io.daxtier.agent.cli;

import io.daxtier.agent.kernel.HostKernel;
import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.sim.SimNodeLoader;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import io.daxtier.agent.ndctl.Ndctl;
import io.daxtier.agent.ndctl.ProcessNdctl;
import io.daxtier.agent.ndctl.SimulatedNdctl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private IntSupplier euid = Main::effectiveUid;
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
        kernel = new HostKernel(root);
        ndctl = new ProcessNdctl();
      }
    }
    return kernel;
  }

  Ndctl ndctl() throws IOException {
    kernel();
    return ndctl;
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
