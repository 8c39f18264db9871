package io.daxtier.agent.kernel.sim;

import io.daxtier.agent.kernel.sim.SimModel.Dimm;

/**
 * NVDIMM security as ndctl drives it: a DIMM's security state and frozen flag, and overwrite
 * (sanitize-dimm --overwrite), which can be kept running. Not thread-safe: see {@link
 * SimulatedKernel}.
 */
final class DimmSecurity {
  private final SimModel model;
  private boolean holdOverwrite;

  DimmSecurity(SimModel model) {
    this.model = model;
  }

  /**
   * Keeps every overwrite started from now on running ({@code security} reads {@code overwrite});
   * false finishes the running ones ({@code security} back to what it was).
   */
  void hold(boolean hold) {
    holdOverwrite = hold;
    if (!hold) {
      for (Dimm d : model.dimms.values()) {
        if (d.securityBeforeOverwrite != null) {
          d.security = d.securityBeforeOverwrite;
          d.securityBeforeOverwrite = null;
        }
      }
    }
  }

  void set(String dimm, String security, boolean frozen) {
    Dimm d = model.dimms.get(dimm);
    d.security = security;
    d.frozen = frozen;
  }

  /** Overwrites a DIMM; false when frozen, locked, unsupported or already overwriting. */
  boolean overwrite(String dimm) {
    Dimm d = model.dimms.get(dimm);
    if (d == null
        || d.security == null
        || d.frozen
        || "locked".equals(d.security)
        || d.securityBeforeOverwrite != null) {
      return false; // EBUSY while an overwrite runs
    }
    d.overwrites++;
    if (holdOverwrite) {
      d.securityBeforeOverwrite = d.security;
      d.security = "overwrite";
    }
    return true;
  }

  int overwrites(String dimm) {
    return model.dimms.get(dimm).overwrites;
  }
}
