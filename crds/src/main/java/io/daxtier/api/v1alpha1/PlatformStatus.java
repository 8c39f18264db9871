package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Kernel and CPU facts of a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlatformStatus {

  @JsonPropertyDescription("Kernel release (uname -r).")
  public String kernelVersion;

  @JsonPropertyDescription("Bus (dax bus, 5.1+), Class (legacy, unsupported) or Absent.")
  public DaxBusModel daxBusModel;

  @JsonPropertyDescription("Whether the kmem driver is available (loaded or loadable).")
  public Boolean kmemAvailable;

  @JsonPropertyDescription("Memory hotplug block size in bytes.")
  public Long memoryBlockSize;

  @JsonPropertyDescription("The kernel's auto_online_blocks policy for hot-added memory.")
  public String autoOnlineBlocks;

  @JsonPropertyDescription(
      "Whether hot-added memory comes online by itself (the kernel's policy or a udev rule),"
          + " where that comes from, and what the agent does about it.")
  public AutoOnlineStatus autoOnline;

  @JsonPropertyDescription("Whether the kernel demotes cold pages to slower tiers.")
  public Boolean demotionEnabled;

  @JsonPropertyDescription("Hardware-corrupted (retired) memory on the node, in bytes.")
  public Long hardwareCorruptedBytes;

  @JsonPropertyDescription("Machine-check recovery of the CPUs, and the evidence.")
  public MachineCheckRecovery machineCheckRecovery;

  /** Who onlines kmem's memory blocks when they are added. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AutoOnlineStatus {
    @JsonPropertyDescription(
        "auto_online_blocks: offline, online, online_kernel or online_movable.")
    public String policy;

    @JsonPropertyDescription(
        "Where the behaviour comes from: the kernel command line (memhp_default_state=), the"
            + " kernel build default, a run-time write, a udev rule.")
    public String source;

    @JsonPropertyDescription("What it does to hot-added memory, in words.")
    public String effect;

    @JsonPropertyDescription("The build default read from the kernel config, when readable.")
    public String buildDefault;

    @JsonPropertyDescription("memhp_default_state= on the kernel command line, when present.")
    public String commandLine;

    @JsonPropertyDescription("memory_hotplug.online_policy: contig-zones or auto-movable.")
    public String onlinePolicy;

    @JsonPropertyDescription("udev rule files that online memory blocks.")
    public List<String> udevRules;

    @JsonPropertyDescription(
        "Respect (block a pool whose zone the kernel would not pick, naming the fixes) or Manage"
            + " (the agent switches auto_online_blocks to offline for each conversion and"
            + " restores it right after).")
    public String agentPolicy;
  }

  /** Whether consuming poison is survivable on this node's CPUs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class MachineCheckRecovery {
    @JsonPropertyDescription("Supported, Unsupported or Unknown.")
    public Capability capability;

    @JsonPropertyDescription("What was read to decide, one fact per entry.")
    public List<String> evidence = new ArrayList<>();
  }
}
