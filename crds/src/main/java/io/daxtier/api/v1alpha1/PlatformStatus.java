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

  @JsonPropertyDescription("Whether the kernel demotes cold pages to slower tiers.")
  public Boolean demotionEnabled;

  @JsonPropertyDescription("Hardware-corrupted (retired) memory on the node, in bytes.")
  public Long hardwareCorruptedBytes;

  @JsonPropertyDescription("Machine-check recovery of the CPUs, and the evidence.")
  public MachineCheckRecovery machineCheckRecovery;

  /** Whether consuming poison is survivable on this node's CPUs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class MachineCheckRecovery {
    @JsonPropertyDescription("Supported, Unsupported or Unknown.")
    public Capability capability;

    @JsonPropertyDescription("What was read to decide, one fact per entry.")
    public List<String> evidence = new ArrayList<>();
  }
}
