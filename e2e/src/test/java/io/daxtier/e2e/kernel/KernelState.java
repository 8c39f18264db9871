package io.daxtier.e2e.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The guest kernel's view at one point of a scenario, as written by guest-lib.sh's {@code state}:
 * daxctl's device modes, every memory block of every dax device, NUMA node sizes, memory tiers.
 */
public record KernelState(
    Map<String, String> modes,
    Map<String, Integer> targetNodes,
    List<Block> blocks,
    Map<Integer, Long> nodeKb,
    Map<String, String> tiers,
    long hardwareCorruptedKb) {

  /** One memory block of a dax device's range that exists in sysfs. */
  public record Block(String device, String name, String state, String zone) {}

  /** Reads state {@code name} of a run. */
  public static KernelState read(GuestRun run, String name) throws IOException {
    Map<String, String> modes = new TreeMap<>();
    Map<String, Integer> targets = new TreeMap<>();
    String daxctl = run.file(name + ".daxctl.json");
    if (!daxctl.isBlank()) {
      for (JsonNode d : new ObjectMapper().readTree(daxctl)) {
        modes.put(d.path("chardev").asText(), d.path("mode").asText());
        targets.put(d.path("chardev").asText(), d.path("target_node").asInt(-1));
      }
    }
    List<Block> blocks = new ArrayList<>();
    for (String line : run.file(name + ".blocks").split("\n")) {
      String[] w = line.trim().split("\\s+", 4);
      if (w.length == 4) {
        blocks.add(new Block(w[0], w[1], w[2], w[3]));
      }
    }
    Map<Integer, Long> nodes = new TreeMap<>();
    for (String line : run.file(name + ".nodes").split("\n")) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 2) {
        nodes.put(Integer.parseInt(w[0]), Long.parseLong(w[1]));
      }
    }
    Map<String, String> tiers = new TreeMap<>();
    for (String line : run.file(name + ".tiers").split("\n")) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 2) {
        tiers.put(w[0], w[1]);
      }
    }
    long hwc = run.has(name + ".hwc") ? Long.parseLong(run.file(name + ".hwc").trim()) : 0;
    return new KernelState(modes, targets, blocks, nodes, tiers, hwc);
  }

  /** The blocks of one device. */
  public List<Block> blocksOf(String device) {
    return blocks.stream().filter(b -> b.device().equals(device)).toList();
  }

  /** MemTotal of a node in kB, 0 when it has no memory. */
  public long kb(int node) {
    return nodeKb.getOrDefault(node, 0L);
  }
}
