package io.daxtier.agent.kernel.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a simulated node description (YAML, docs/simulated-node.md). */
public final class SimNodeLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private SimNodeLoader() {}

  public static SimulatedKernel load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return load(in);
    }
  }

  public static SimulatedKernel load(InputStream in) throws IOException {
    return SimulatedKernel.from(YAML.readValue(in, SimNodeSpec.class));
  }

  /** Loads a description from the classpath (tests and examples). */
  public static SimulatedKernel resource(String name) {
    try (InputStream in = SimNodeLoader.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no resource " + name);
      }
      return load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
  }
}
