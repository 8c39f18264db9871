package io.daxtier.agent.ndctl;

import java.time.Duration;
import java.util.Optional;

/**
 * No ndctl to run: every operation fails without running anything, and {@link #unavailable()} says
 * why. Used where the host's ndctl would act on devices other than the ones the agent reads (a
 * fixture tree under {@code --root}).
 */
public final class UnavailableNdctl implements Ndctl {
  /** The reason under {@code --root}. */
  public static final String UNDER_ROOT =
      "ndctl unavailable under --root (the host's ndctl would act on the host's devices,"
          + " not the tree's)";

  private final String reason;

  public UnavailableNdctl(String reason) {
    this.reason = reason;
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.of(reason);
  }

  @Override
  public boolean startScrub(String bus) {
    return false;
  }

  @Override
  public boolean awaitScrub(String bus, Duration timeout) {
    return false;
  }

  @Override
  public boolean clearErrors(String daxDevice) {
    return false;
  }

  @Override
  public Optional<String> createNamespace(String region, long size, long align) {
    return Optional.empty();
  }

  @Override
  public boolean overwrite(String dimm) {
    return false;
  }

  @Override
  public boolean disableRegion(String region) {
    return false;
  }

  @Override
  public boolean enableRegion(String region) {
    return false;
  }
}
