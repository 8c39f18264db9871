package io.daxtier.agent.testing;

import io.daxtier.agent.kernel.sim.SimNodeLoader;
import io.daxtier.agent.kernel.sim.SimulatedKernel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Simulated nodes for tests: the shipped examples, or YAML written in the test. */
public final class Nodes {
  private Nodes() {}

  public static Path example(String name) {
    return Path.of("..", "examples", "simulated-nodes", name + ".yaml");
  }

  /** The QEMU guest of real-kernel-notes.md: dax0.0 on CPU-less node 1, blocks 33..39. */
  public static SimulatedKernel qemu() {
    return load(example("qemu-nvdimm"));
  }

  public static SimulatedKernel secureServer() {
    return load(example("secure-server"));
  }

  public static SimulatedKernel cxl() {
    return load(example("cxl-expander"));
  }

  public static SimulatedKernel load(Path p) {
    try {
      return SimNodeLoader.load(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static SimulatedKernel yaml(String text) {
    try {
      return SimNodeLoader.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
