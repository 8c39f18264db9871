package io.daxtier.agent.model;

/**
 * An NVDIMM ({@code nmemN}).
 *
 * @param security disabled, unlocked, locked or overwrite; null when the DIMM has no security
 */
public record Dimm(String name, String security, boolean frozen) {
  public String securityOrUnsupported() {
    return security == null ? "unsupported" : security;
  }
}
