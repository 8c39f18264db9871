package io.daxtier.agent.model;

/**
 * An object the inventory could not read safely, and the attribute that made it so. A device listed
 * here is left out of {@link Inventory#devices()}, so no decision acts on values the kernel did not
 * write; an object it depends on (its region, a DIMM behind the region, its bus, one of its memory
 * blocks) being malformed makes it one too, with that object's cause.
 *
 * @param kind what the object is
 * @param name its kernel name ({@code dax0.0}, {@code region1}, {@code nmem0}, {@code memory33},
 *     {@code node2}, {@code memory_tier4}); {@code platform} for node-wide attributes
 * @param cause the malformed attribute
 * @param via the object whose malformed attribute this one depends on, or null for its own
 */
public record MalformedObject(Kind kind, String name, Malformed cause, String via) {

  /** The kinds of objects the inventory reads. */
  public enum Kind {
    PLATFORM,
    DEVICE,
    REGION,
    DIMM,
    BUS,
    MEMORY_BLOCK,
    NUMA_NODE,
    MEMORY_TIER
  }

  /** The status reason of a malformed object. */
  public static final String REASON = Malformed.REASON;

  /** {@link Malformed#REASON}. */
  public String reason() {
    return Malformed.REASON;
  }

  /** The status message: the cause, and through which object when it is not the object's own. */
  public String message() {
    return via == null ? cause.message() : "depends on " + via + ", " + cause.message();
  }
}
