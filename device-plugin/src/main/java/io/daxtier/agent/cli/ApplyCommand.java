package io.daxtier.agent.cli;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.reconcile.DeviceResult;
import io.daxtier.agent.reconcile.NodeReconciler;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.NodePoolStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code apply -f pool.yaml}: converge this node to pools without a cluster. */
@Command(
    name = "apply",
    description =
        "Apply pools (PmemPool YAML) to this node: print the plan and the resulting state.",
    mixinStandardHelpOptions = true,
    footer = ExitCodes.HELP)
final class ApplyCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "PmemPool manifests (or one PmemNode).")
  Path file;

  @Option(names = "--dry-run", description = "Print the plan; write nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the resulting PmemNode status as JSON.")
  boolean json;

  @Option(
      names = "--wait",
      paramLabel = "DURATION",
      defaultValue = "1h",
      description =
          "How long to follow an ARS or a DIMM overwrite the pass started (another pass every few"
              + " seconds until it ends); 0s: return after one pass (exit 5 while one runs)."
              + " Default 1h.")
  String wait;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PoolFile.Desired desired;
    try {
      desired = PoolFile.read(file);
    } catch (PoolFile.BadPoolFile e) {
      err.println("error: bad pool file: " + e.getMessage());
      return ExitCodes.BAD_POOL_FILE;
    }
    if (!dryRun && !main.mayWrite()) {
      err.println(
          "error: not root: converting memory writes to sysfs (use --dry-run to only plan)");
      return ExitCodes.NOT_ROOT;
    }
    Kernel k = main.kernel();
    int pre = Preflight.sysfs(k, err);
    if (pre != 0) {
      return pre;
    }
    NodeReconciler agent = main.reconciler();
    pre = Preflight.platform(k, agent.inventory(), desired.pools(), err);
    if (pre != 0) {
      return pre;
    }
    PassResult r =
        dryRun
            ? agent.dryRun(desired.pools(), desired.generation())
            : agent.reconcile(desired.pools(), desired.generation());
    if (!dryRun) {
      PassResult first = r;
      r =
          Rechecks.follow(
              first,
              Sizes.parseDuration(wait),
              () -> Optional.of(agent.reconcile(desired.pools(), desired.generation())),
              err);
      if (r != first && !first.plan().isEmpty()) {
        out.println("plan of the first pass:");
        first.plan().describe().forEach(l -> out.println("  " + l));
      }
    }
    out.println(dryRun ? "plan (dry run, nothing written):" : "plan:");
    if (r.plan().isEmpty()) {
      out.println("  (nothing to do)");
    }
    r.plan().describe().forEach(l -> out.println("  " + l));
    if (json) {
      out.println(Json.MAPPER.writeValueAsString(r.status()));
    } else {
      out.println("devices:");
      for (DeviceResult d : r.devices()) {
        out.printf(
            "  %-8s %-12s %-10s %-22s %s%n",
            d.device(),
            d.pool() == null ? "-" : d.pool(),
            d.phase(),
            d.reason(),
            d.message() == null ? "" : d.message());
      }
      out.println("pools:");
      for (NodePoolStatus p : r.status().pools) {
        out.printf(
            "  %-12s %-10s %d/%d devices, %d bytes online (%d healthy) %s%n",
            p.name,
            p.phase,
            p.devicesReady,
            p.devices,
            p.onlineBytes,
            p.healthyBytes,
            p.reason == null ? "" : p.reason);
      }
      r.poison().forEach(e -> out.println("poison: " + e));
      out.println("numa nodes:");
      r.status()
          .numaNodes
          .forEach(
              n ->
                  out.printf(
                      "  node%d %-8s MemTotal %d kB, MemFree %d kB%s%n",
                      n.id,
                      n.hasCpu ? "cpu" : "cpu-less",
                      n.memTotalBytes / 1024,
                      n.memFreeBytes / 1024,
                      n.memoryTier == null ? "" : ", memory_tier" + n.memoryTier));
    }
    if (dryRun) {
      return ExitCodes.OK;
    }
    if (!r.blocked().isEmpty()) {
      return ExitCodes.BLOCKED;
    }
    if (!r.failed().isEmpty()) {
      return ExitCodes.FAILED;
    }
    return r.converged()
            || r.devices().stream()
                .noneMatch(
                    d ->
                        d.pool() != null
                            && d.phase() != DevicePhase.Online
                            && d.phase() != DevicePhase.Released)
        ? ExitCodes.OK
        : ExitCodes.IN_PROGRESS;
  }
}
