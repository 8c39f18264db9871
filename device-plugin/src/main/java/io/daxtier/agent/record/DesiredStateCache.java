package io.daxtier.agent.record;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.agent.run.DesiredState;
import io.daxtier.api.v1alpha1.NodePool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last desired state (PmemNode spec pools and generation) the agent saw from the API server,
 * kept in {@code <state-dir>/}{@value #FILE} next to the node record, so that an agent started
 * while the API server is unreachable keeps the node as it was last told to. Written atomically
 * (temporary file, fsync, rename, fsync of the directory); a file that does not parse is treated as
 * absent (the agent then starts with no desired state and changes nothing).
 */
public final class DesiredStateCache {
  private static final Logger LOG = LoggerFactory.getLogger(DesiredStateCache.class);

  public static final String FILE = "desired-state.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The file's content. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Data {
    public int version = 1;
    public Long generation;
    public List<NodePool> pools = List.of();
  }

  private final Path dir;
  private byte[] written;

  public DesiredStateCache(Path dir) {
    this.dir = dir;
  }

  /** The cached desired state; empty when none was ever saved or the file does not parse. */
  public synchronized Optional<DesiredState> load() {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Data d = JSON.readValue(file.toFile(), Data.class);
      DesiredState s = new DesiredState(d.pools == null ? List.of() : d.pools, d.generation);
      written = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(d);
      return Optional.of(s);
    } catch (IOException | RuntimeException e) {
      LOG.error("cached desired state {} does not parse ({}); not used", file, e.getMessage());
      return Optional.empty();
    }
  }

  /** Saves {@code s} when it differs from what was saved last; a failure is logged, not thrown. */
  public synchronized void save(DesiredState s) {
    Data d = new Data();
    d.generation = s.generation();
    d.pools = s.pools();
    try {
      byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(d);
      if (Arrays.equals(written, bytes)) {
        return; // compared as JSON: the CRD classes need not implement equals
      }
      write(bytes);
      written = bytes;
    } catch (IOException e) {
      LOG.warn("desired state not cached in {}: {}", dir, e.getMessage());
    }
  }

  /** Forgets the cached state (the PmemNode is gone from the API server). */
  public synchronized void clear() {
    try {
      Files.deleteIfExists(dir.resolve(FILE));
      written = null;
    } catch (IOException e) {
      LOG.warn("cached desired state in {} not removed: {}", dir, e.getMessage());
    }
  }

  private void write(byte[] bytes) throws IOException {
    AtomicFile.write(dir, FILE, bytes);
  }
}
