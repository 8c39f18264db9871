package io.daxtier.agent.dra;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares and unprepares claims, version-neutral (both DRAPlugin versions call it): reads the
 * allocation, checks it ({@link PreparePlanner}), writes the claim's CDI spec and keeps the ledger
 * and its checkpoint. Idempotent: a claim prepared before gets the same devices back without
 * another API read; unpreparing an unknown claim succeeds. One call at a time.
 */
final class DraPreparer {
  private static final Logger LOG = LoggerFactory.getLogger(DraPreparer.class);

  private final String nodeName;
  private final ClaimSource claims;
  private final Supplier<List<DraDevice>> devices;
  private final CdiSpecFiles cdi;
  private final PrepareCheckpoint checkpoint;
  private final ClaimLedger ledger;

  DraPreparer(
      String nodeName,
      ClaimSource claims,
      Supplier<List<DraDevice>> devices,
      Path cdiDir,
      Path stateDir,
      Clock clock) {
    this.nodeName = nodeName;
    this.claims = claims;
    this.devices = devices;
    this.cdi = new CdiSpecFiles(cdiDir);
    this.checkpoint = new PrepareCheckpoint(stateDir, clock);
    this.ledger = new ClaimLedger(checkpoint.load());
    if (!ledger.claims().isEmpty()) {
      LOG.info(
          "DRA checkpoint {}: {} prepared claim(s) restored",
          checkpoint.file(),
          ledger.claims().size());
    }
  }

  /** Why the checkpoint was set aside at start; empty when it was read (or absent). */
  Optional<String> checkpointProblem() {
    return checkpoint.setAside();
  }

  /** The claims prepared now, in preparation order. */
  synchronized List<PreparedClaim> prepared() {
    return List.copyOf(ledger.claims());
  }

  /** Prepares each claim on its own: one claim's refusal does not affect the others. */
  synchronized Map<String, ClaimResult> prepare(List<ClaimRef> refs) {
    Map<String, ClaimResult> out = new LinkedHashMap<>();
    for (ClaimRef ref : refs) {
      ClaimResult r = prepareOne(ref);
      if (r.failed()) {
        LOG.warn("DRA prepare of claim {} refused: {}", ref, r.error());
      } else {
        LOG.info("DRA claim {} prepared: {}", ref, r.devices());
      }
      out.put(ref.uid(), r);
    }
    return out;
  }

  /** Unprepares each claim: removes its CDI spec and its ledger entry. */
  synchronized Map<String, ClaimResult> unprepare(List<ClaimRef> refs) {
    Map<String, ClaimResult> out = new LinkedHashMap<>();
    for (ClaimRef ref : refs) {
      out.put(ref.uid(), unprepareOne(ref));
    }
    return out;
  }

  private ClaimResult prepareOne(ClaimRef ref) {
    Optional<PreparedClaim> known = ledger.get(ref.uid());
    if (known.isPresent()) {
      try {
        if (!cdi.exists(ref.uid())) {
          cdi.write(known.get());
        }
      } catch (IOException e) {
        return ClaimResult.failed("cannot write the CDI spec: " + e.getMessage());
      }
      return ClaimResult.ok(known.get().devices());
    }
    List<AllocatedDevice> allocation;
    try {
      allocation = claims.allocation(ref);
    } catch (ClaimSource.Unavailable e) {
      return ClaimResult.failed(e.getMessage());
    }
    PrepareDecision decision =
        PreparePlanner.plan(ref, allocation, nodeName, devices.get(), ledger);
    if (decision instanceof PrepareDecision.Refuse refuse) {
      return ClaimResult.failed(refuse.message());
    }
    PreparedClaim claim = ((PrepareDecision.Prepare) decision).claim();
    ledger.put(claim);
    try {
      checkpoint.save(ledger.claims());
    } catch (IOException e) {
      ledger.remove(ref.uid());
      return ClaimResult.failed("cannot write the DRA checkpoint: " + e.getMessage());
    }
    try {
      cdi.write(claim);
    } catch (IOException e) {
      ledger.remove(ref.uid());
      saveQuietly();
      return ClaimResult.failed("cannot write the CDI spec: " + e.getMessage());
    }
    return ClaimResult.ok(claim.devices());
  }

  private ClaimResult unprepareOne(ClaimRef ref) {
    try {
      cdi.delete(ref.uid());
    } catch (IOException e) {
      return ClaimResult.failed("cannot remove the CDI spec: " + e.getMessage());
    }
    Optional<PreparedClaim> gone = ledger.remove(ref.uid());
    if (gone.isEmpty()) {
      return ClaimResult.ok(List.of());
    }
    try {
      checkpoint.save(ledger.claims());
    } catch (IOException e) {
      ledger.put(gone.get());
      return ClaimResult.failed("cannot write the DRA checkpoint: " + e.getMessage());
    }
    LOG.info("DRA claim {} unprepared", ref);
    return ClaimResult.ok(List.of());
  }

  private void saveQuietly() {
    try {
      checkpoint.save(ledger.claims());
    } catch (IOException e) {
      LOG.error("cannot write the DRA checkpoint {}: {}", checkpoint.file(), e.getMessage());
    }
  }
}
