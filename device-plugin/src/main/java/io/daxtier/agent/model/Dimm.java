package io.daxtier.agent.model;

/**
 * An NVDIMM ({@code nmemN}).
 *
 * @param security disabled, unlocked, locked or overwrite; {@link #UNKNOWN} when the attribute
 *     exists but cannot be read (the kernel answers ENOTTY while no state flag is set, e.g. for a
 *     few seconds of an overwrite); null when the DIMM has no security (no attribute)
 */
public record Dimm(String name, String security, boolean frozen) {
  /** The security attribute exists but the kernel gave no state. */
  public static final String UNKNOWN = "unknown";

  public String securityOrUnsupported() {
    return security == null ? "unsupported" : security;
  }
}
