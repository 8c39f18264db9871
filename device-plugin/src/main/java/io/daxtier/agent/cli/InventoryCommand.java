package io.daxtier.agent.cli;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.model.MalformedObject;
import io.daxtier.agent.model.Sizes;
import io.daxtier.agent.reconcile.PassResult;
import io.daxtier.api.v1alpha1.DeviceStatus;
import io.daxtier.api.v1alpha1.NumaNodeStatus;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code inventory}: what this node has, like {@code daxctl list}. Reads only. */
@Command(
    name = "inventory",
    description = "Show this node's dax devices, regions, DIMMs, memory blocks and NUMA nodes.",
    mixinStandardHelpOptions = true)
final class InventoryCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Kernel k = main.kernel();
    int pre = Preflight.sysfs(k, err);
    if (pre != 0) {
      return pre;
    }
    PassResult view = main.reconciler().dryRun(List.of(), null);
    Inventory inv = view.before();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("platform", view.status().platform);
      doc.put("devices", view.status().devices);
      doc.put("regions", inv.regions());
      doc.put("dimms", inv.dimms());
      doc.put("buses", inv.buses());
      doc.put("memoryBlocks", inv.blocks());
      doc.put("numaNodes", view.status().numaNodes);
      if (!inv.malformed().isEmpty()) {
        doc.put("malformed", inv.malformed().stream().map(InventoryCommand::malformed).toList());
      }
      if (!inv.classModelDevices().isEmpty()) {
        doc.put(
            "unsupported",
            "legacy /sys/class/dax model: boot a kernel >= 5.16 or blacklist dax_pmem_compat");
      }
      out.println(Json.MAPPER.writeValueAsString(doc));
      return ExitCodes.OK;
    }
    var p = view.status().platform;
    out.printf(
        "kernel %s, dax %s, kmem %s, block %s, auto_online %s, demotion %s%n",
        p.kernelVersion,
        p.daxBusModel,
        p.kmemAvailable ? "present" : "MISSING",
        Sizes.format(p.memoryBlockSize),
        p.autoOnlineBlocks,
        p.demotionEnabled);
    if (p.autoOnline != null) {
      out.printf(
          "hot-added memory: %s (%s; agent: %s)%n",
          p.autoOnline.effect, p.autoOnline.source, p.autoOnline.agentPolicy);
    }
    out.printf("machine-check recovery: %s%n", p.machineCheckRecovery.capability);
    p.machineCheckRecovery.evidence.forEach(e -> out.println("  - " + e));
    out.printf(
        "%-8s %-8s %-5s %10s %6s %-10s %-8s %s%n",
        "DEVICE", "REGION", "TYPE", "SIZE", "NODE", "MODE", "BLOCKS", "DIMMS");
    for (DeviceStatus d : view.status().devices) {
      if (d.size == null) {
        continue; // held back for a malformed value: listed with the malformed objects below
      }
      out.printf(
          "%-8s %-8s %-5s %10s %6d %-10s %-8s %s%n",
          d.name,
          d.region,
          d.memoryType.wire(),
          Sizes.format(d.size),
          d.targetNode,
          d.mode.wire(),
          d.blocksOnline + "/" + d.blocksTotal,
          d.dimms.stream()
              .map(
                  x ->
                      x.name + ":" + x.security + (Boolean.TRUE.equals(x.frozen) ? "(frozen)" : ""))
              .toList());
    }
    for (NumaNodeStatus n : view.status().numaNodes) {
      out.printf(
          "node%d %s total %s free %s%s%n",
          n.id,
          n.hasCpu ? "cpu" : "cpu-less",
          Sizes.format(n.memTotalBytes),
          Sizes.format(n.memFreeBytes),
          n.memoryTier == null ? "" : " tier " + n.memoryTier);
    }
    for (MalformedObject m : inv.malformed()) {
      out.printf("%s %s: %s%n", m.name(), m.reason(), m.message());
    }
    if (!inv.classModelDevices().isEmpty()) {
      out.println(
          "UNSUPPORTED: legacy /sys/class/dax model; boot a kernel >= 5.16 or blacklist dax_pmem_compat");
    }
    return ExitCodes.OK;
  }

  /** A malformed object as JSON: kind, name, reason, the attribute's path and value. */
  private static Map<String, Object> malformed(MalformedObject m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("kind", m.kind());
    o.put("name", m.name());
    o.put("reason", m.reason());
    o.put("path", m.cause().path());
    o.put("value", m.cause().value());
    o.put("message", m.message());
    return o;
  }
}
