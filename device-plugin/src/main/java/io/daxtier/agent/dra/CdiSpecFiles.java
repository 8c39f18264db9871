package io.daxtier.agent.dra;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The claims' CDI spec files in the CDI directory (default {@value #DEFAULT_DIR}). */
final class CdiSpecFiles {
  /** Where containerd and CRI-O look for dynamic CDI specs. */
  static final String DEFAULT_DIR = "/var/run/cdi";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;

  CdiSpecFiles(Path dir) {
    this.dir = dir;
  }

  Path file(String claimUid) {
    return dir.resolve(CdiSpec.fileName(claimUid));
  }

  /** Writes the claim's spec atomically (the runtime never reads half a spec). */
  void write(PreparedClaim claim) throws IOException {
    DraFiles.write(file(claim.claim().uid()), JSON.writeValueAsBytes(CdiSpec.render(claim)));
  }

  boolean exists(String claimUid) {
    return Files.isRegularFile(file(claimUid));
  }

  /** Removes the claim's spec; true if there was one. */
  boolean delete(String claimUid) throws IOException {
    return Files.deleteIfExists(file(claimUid));
  }
}
