package io.daxtier.agent.reconcile;

import io.daxtier.agent.executor.DeviceOutcome;
import io.daxtier.agent.executor.ExecutionReport;
import io.daxtier.agent.executor.Outcome;
import io.daxtier.agent.model.DaxDevice;
import io.daxtier.agent.model.Inventory;
import io.daxtier.agent.policy.Decision;
import io.daxtier.agent.policy.DeviceDecision;
import io.daxtier.api.v1alpha1.DeviceMode;
import io.daxtier.api.v1alpha1.DevicePhase;
import io.daxtier.api.v1alpha1.ReleaseAction;
import java.util.ArrayList;
import java.util.List;

/** Derives each device's phase from its decision, its execution outcome and the final sysfs. */
final class Phases {
  private Phases() {}

  static List<DeviceResult> of(
      List<DeviceDecision> decisions, ExecutionReport report, Inventory after) {
    List<DeviceResult> out = new ArrayList<>();
    for (DeviceDecision dd : decisions) {
      Outcome o =
          report.devices().stream()
              .filter(
                  x ->
                      x.device().equals(dd.device())
                          && java.util.Objects.equals(x.pool(), dd.pool()))
              .map(DeviceOutcome::outcome)
              .findFirst()
              .orElse(new Outcome.Done());
      DaxDevice d = after.device(dd.device()).orElse(null);
      out.add(result(dd, o, d, after, report.erased().contains(dd.device())));
    }
    return out;
  }

  private static DeviceResult result(
      DeviceDecision dd, Outcome o, DaxDevice d, Inventory after, boolean erasedNow) {
    String dev = dd.device();
    String pool = dd.pool();
    Decision dec = dd.decision();
    if (dec instanceof Decision.Untouched) {
      return new DeviceResult(dev, null, DevicePhase.Discovered, dec.reason(), null);
    }
    if (dec instanceof Decision.Block b) {
      return DeviceResult.stopped(dev, pool, b.rule(), b.found(), false);
    }
    if (dec instanceof Decision.Wait w) {
      return DeviceResult.stopped(dev, pool, w.why(), w.message(), w.releasing());
    }
    if (o instanceof Outcome.Stopped s) {
      return DeviceResult.stopped(
          dev, pool, s.reason(), s.message(), dec instanceof Decision.Release);
    }
    if (dec instanceof Decision.Release r) {
      // With Erase, Released only once every DIMM behind the device was overwritten for this
      // release (the node record says so), never on a skipped or unfinished erase.
      boolean erased = r.action() != ReleaseAction.Erase || r.erased() || erasedNow;
      boolean back =
          r.action() == ReleaseAction.Keep
              || (erased && d != null && d.mode() == DeviceMode.DEVDAX);
      return new DeviceResult(
          dev, pool, back ? DevicePhase.Released : DevicePhase.Releasing, r.reason(), null);
    }
    String warnings =
        dec instanceof Decision.Keep k
            ? String.join("; ", k.warnings())
            : dec instanceof Decision.Convert c ? String.join("; ", c.warnings()) : "";
    boolean ok =
        d != null
            && (d.mode() == DeviceMode.DEVDAX
                ? !(dec instanceof Decision.Convert c
                    && c.mode() == io.daxtier.api.v1alpha1.PoolMode.SystemRam)
                : d.mode() == DeviceMode.SYSTEM_RAM && after.fullyOnline(d));
    return new DeviceResult(
        dev,
        pool,
        ok ? DevicePhase.Online : DevicePhase.Converting,
        ok ? (dec instanceof Decision.Keep k ? k.reason() : "Converted") : "Converting",
        warnings.isEmpty() ? null : warnings);
  }
}
