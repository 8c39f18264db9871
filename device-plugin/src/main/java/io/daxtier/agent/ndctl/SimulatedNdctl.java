package io.daxtier.agent.ndctl;

import io.daxtier.agent.kernel.sim.SimulatedKernel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** ndctl on the simulated kernel, recording every call. */
public final class SimulatedNdctl implements Ndctl {
  private final SimulatedKernel kernel;
  private final List<String> calls = new ArrayList<>();

  public SimulatedNdctl(SimulatedKernel kernel) {
    this.kernel = kernel;
  }

  public List<String> calls() {
    return List.copyOf(calls);
  }

  @Override
  public boolean startScrub(String bus) {
    calls.add("start-scrub " + bus);
    return kernel.startScrub(bus);
  }

  @Override
  public boolean awaitScrub(String bus, Duration timeout) {
    calls.add("wait-scrub " + bus);
    return kernel.awaitScrub(bus);
  }

  @Override
  public boolean clearErrors(String daxDevice) {
    calls.add("clear-errors " + daxDevice);
    return kernel.clearErrors(kernel.regionOf(daxDevice));
  }

  @Override
  public Optional<String> createNamespace(String region, long size, long align) {
    calls.add("create-namespace -r " + region);
    return kernel.createNamespace(region, size);
  }

  @Override
  public boolean overwrite(String dimm) {
    calls.add("sanitize-dimm --overwrite " + dimm);
    return kernel.overwriteDimm(dimm);
  }

  @Override
  public boolean disableRegion(String region) {
    calls.add("disable-region " + region);
    return kernel.disableRegion(region);
  }

  @Override
  public boolean enableRegion(String region) {
    calls.add("enable-region " + region);
    return kernel.enableRegion(region);
  }
}
