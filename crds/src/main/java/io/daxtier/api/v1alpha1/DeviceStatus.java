package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** One dax device on a node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeviceStatus {
  @JsonPropertyDescription("Device name, e.g. dax0.0.")
  public String name;

  @JsonPropertyDescription("Region the device belongs to, e.g. region0.")
  public String region;

  @JsonPropertyDescription("pmem, cxl or hmem.")
  public MemoryType memoryType;

  @JsonPropertyDescription("Device size in bytes.")
  public Long size;

  @JsonPropertyDescription("NUMA node the memory becomes when onlined.")
  public Integer targetNode;

  @JsonPropertyDescription("devdax, system-ram or unbound.")
  public DeviceMode mode;

  @JsonPropertyDescription("Pool that owns the device, if any.")
  public String pool;

  @JsonPropertyDescription(
      "Discovered, Scrubbing, Blocked, Converting, Online, Releasing, Released, Conflict, Failed.")
  public DevicePhase phase;

  @JsonPropertyDescription("Machine-readable reason for the phase, e.g. EncryptionRequired.")
  public String reason;

  @JsonPropertyDescription("What was found or done, for humans.")
  public String message;

  @JsonPropertyDescription("Known bad-block ranges in the device's region.")
  public Integer badBlocks;

  @JsonPropertyDescription("Up to 16 bad ranges as physical address spans (start-end, hex).")
  @Size(max = 16)
  public List<String> badRanges;

  @JsonPropertyDescription("Pages retired with hard_offline_page.")
  public Long retiredPages;

  @JsonPropertyDescription("Bytes reported Unhealthy because of poison.")
  public Long unhealthyBytes;

  @JsonPropertyDescription("Security state of every DIMM behind the device's region.")
  public List<DimmStatus> dimms = new ArrayList<>();

  @JsonPropertyDescription("Memory blocks of the device's range that are online.")
  public Integer blocksOnline;

  @JsonPropertyDescription("Memory blocks of the device's range.")
  public Integer blocksTotal;

  @JsonPropertyDescription("Zone the online blocks are in.")
  public Zone zone;

  /** One DIMM behind a region. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DimmStatus {
    @JsonPropertyDescription("DIMM device name, e.g. nmem0.")
    public String name;

    @JsonPropertyDescription(
        "disabled, unlocked, locked, overwrite, or unsupported when the DIMM has no security.")
    public String security;

    @JsonPropertyDescription("Whether security state changes are frozen until the next boot.")
    public Boolean frozen;
  }
}
