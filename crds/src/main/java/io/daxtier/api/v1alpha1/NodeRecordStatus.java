package io.daxtier.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the agent's durable node record holds, in short: the facts the kernel cannot tell. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeRecordStatus {

  @JsonPropertyDescription(
      "True while the agent runs without a record from an earlier run on a node that is in use:"
          + " it clears nothing before its own ARS and retires no bad block it found listed.")
  public Boolean cautious;

  @JsonPropertyDescription("Per NVDIMM bus: when its last ARS finished (RFC 3339).")
  public Map<String, String> lastScrub = new LinkedHashMap<>();

  @JsonPropertyDescription("Buses with an ARS the agent started and has not yet seen finish.")
  public List<String> scrubsInProgress = new ArrayList<>();

  @JsonPropertyDescription("Erases of released pools not yet finished: pool, DIMMs, DIMMs done.")
  public List<EraseStatus> erases = new ArrayList<>();

  @JsonPropertyDescription("Devices held by a pool (online, served or in release) and the pool.")
  public Map<String, String> owners = new LinkedHashMap<>();

  @JsonPropertyDescription("Bad-block ranges already known (acted on or listed at a first start).")
  public Integer knownBadBlocks;

  @JsonPropertyDescription("Pages retired (hard_offline_page) over all devices.")
  public Long retiredPages;

  /** One erase in the record. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class EraseStatus {
    @JsonPropertyDescription("The released pool.")
    public String pool;

    @JsonPropertyDescription("The DIMMs to overwrite.")
    public List<String> dimms = new ArrayList<>();

    @JsonPropertyDescription("The DIMMs whose overwrite completed for this release.")
    public List<String> completed = new ArrayList<>();
  }
}
