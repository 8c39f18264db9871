package io.daxtier.agent.dra;

import io.daxtier.api.v1alpha1.PoolMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks an allocated claim against the devices this node publishes now and the claims already
 * prepared, and decides what to prepare. Pure.
 *
 * <ul>
 *   <li>Only results of this driver in this node's pool are ours; a claim with none is refused.
 *   <li>A device that is not published (unknown, or released since the scheduler allocated it) or
 *       that is unhealthy (poison) refuses the claim.
 *   <li>SystemRam: the consumed capacity (the pool's unit when the result has none) must fit in the
 *       device's healthy capacity minus what the other prepared claims consume on it.
 *   <li>DevDax: the device is allocated whole, to one claim at a time.
 * </ul>
 */
final class PreparePlanner {
  private PreparePlanner() {}

  static PrepareDecision plan(
      ClaimRef claim,
      List<AllocatedDevice> results,
      String nodeName,
      List<DraDevice> published,
      ClaimLedger ledger) {
    Map<String, DraDevice> byName =
        published.stream()
            .collect(Collectors.toMap(DraDevice::name, Function.identity(), (a, b) -> a));
    List<AllocatedDevice> ours =
        results.stream()
            .filter(r -> DraNames.DRIVER.equals(r.driver()) && nodeName.equals(r.pool()))
            .toList();
    if (ours.isEmpty()) {
      return new PrepareDecision.Refuse(
          "claim "
              + claim
              + " has no device of driver "
              + DraNames.DRIVER
              + " on node "
              + nodeName);
    }
    Map<String, Long> wanted = new HashMap<>();
    List<PreparedDevice> devices = new ArrayList<>(ours.size());
    for (int i = 0; i < ours.size(); i++) {
      AllocatedDevice r = ours.get(i);
      DraDevice d = byName.get(r.device());
      if (d == null) {
        return new PrepareDecision.Refuse(
            "device "
                + r.device()
                + " is not published on node "
                + nodeName
                + " (unknown or released)");
      }
      if (!d.healthy()) {
        return new PrepareDecision.Refuse(
            "device " + r.device() + " is unhealthy (poison not yet dealt with)");
      }
      String cdiName = cdiName(claim, i, d.name());
      if (d.mode() == PoolMode.DevDax) {
        var holder = ledger.holder(d.name(), claim.uid());
        if (holder.isPresent() || wanted.containsKey(d.name())) {
          return new PrepareDecision.Refuse(
              "DevDax device "
                  + d.name()
                  + " is already prepared for claim "
                  + holder.map(ClaimRef::toString).orElse(claim.toString()));
        }
        wanted.put(d.name(), d.capacityBytes());
        devices.add(
            new PreparedDevice(
                r.request(),
                r.pool(),
                d.name(),
                PoolMode.DevDax,
                d.numaNode(),
                d.capacityBytes(),
                d.devDaxPath(),
                cdiName));
        continue;
      }
      long bytes = r.consumedBytes() == null ? d.unitBytes() : r.consumedBytes();
      if (bytes <= 0) {
        return new PrepareDecision.Refuse(
            "device " + d.name() + ": consumed capacity must be positive, not " + bytes);
      }
      long inThisClaim = wanted.merge(d.name(), bytes, Long::sum);
      long others = ledger.consumedBytes(d.name(), claim.uid());
      if (others + inThisClaim > d.capacityBytes()) {
        return new PrepareDecision.Refuse(
            "device "
                + d.name()
                + " has "
                + Math.max(0, d.capacityBytes() - others)
                + " bytes free of "
                + d.capacityBytes()
                + " (other prepared claims hold "
                + others
                + "), the claim asks for "
                + inThisClaim);
      }
      devices.add(
          new PreparedDevice(
              r.request(),
              r.pool(),
              d.name(),
              PoolMode.SystemRam,
              d.numaNode(),
              bytes,
              null,
              cdiName));
    }
    return new PrepareDecision.Prepare(new PreparedClaim(claim, devices));
  }

  /** Unique across claims (the uid) and within one (the result's index). */
  static String cdiName(ClaimRef claim, int index, String device) {
    return claim.uid() + "-" + index + "-" + device;
  }
}
