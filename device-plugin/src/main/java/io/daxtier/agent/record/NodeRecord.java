package io.daxtier.agent.record;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.daxtier.agent.policy.History;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's durable record of what the kernel cannot tell it, in {@code <state-dir>/} {@value
 * #FILE}: the value of {@code auto_online_blocks} the agent replaced for a conversion (so an agent
 * killed before putting it back restores it on its next start), whether a udev rule was seen
 * onlining memory, and the agent's {@link History} (last ARS per bus, retries, erase intent and
 * per-DIMM completion, known bad blocks, retired pages and unhealthy ranges, DevDax devices in
 * use). Every change is written atomically (temporary file, fsync, rename, fsync of the directory):
 * a crash leaves either the old record or the new one.
 */
public final class NodeRecord {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRecord.class);

  public static final String FILE = "node-record.json";

  /** Where the chart's hostPath mounts it. */
  public static final Path DEFAULT_DIR = Path.of("/var/lib/daxtier");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A switch of auto_online_blocks the agent made and has not undone yet. */
  public record AutoOnlineSwitch(String previous, String switchedTo, String device, String since) {}

  /**
   * Blocks that came online by themselves after a bind although the kernel's policy was offline.
   */
  public record UdevOnline(String device, String at) {}

  /** The file's content; unknown fields of a newer agent are kept out, not an error. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Data {
    public int version = 1;
    public AutoOnlineSwitch autoOnlineSwitch;
    public UdevOnline udevOnline;
    public HistoryRecord history;
  }

  private final Path dir;
  private Data data;
  private final String setAside;

  private NodeRecord(Path dir, Data data) {
    this(dir, data, null);
  }

  private NodeRecord(Path dir, Data data, String setAside) {
    this.dir = dir;
    this.data = data;
    this.setAside = setAside;
  }

  /** A record that lives only in memory (simulated nodes, tests). */
  public static NodeRecord inMemory() {
    return new NodeRecord(null, new Data());
  }

  /**
   * The record in {@code dir}, empty when there is none yet; the directory is created on the first
   * write. A file that does not parse is moved aside ({@code .corrupt}) and reported, never
   * silently replaced.
   */
  public static NodeRecord open(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return new NodeRecord(dir, new Data());
    }
    String problem;
    try {
      Data data = JSON.readValue(file.toFile(), Data.class);
      if (data.history != null) {
        data.history.toHistory(); // every value must read back, or none is trusted
      }
      return new NodeRecord(dir, data);
    } catch (IOException | RuntimeException e) {
      problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    Path aside = dir.resolve(FILE + ".corrupt-" + Instant.now().getEpochSecond());
    LOG.error("node record {} does not parse ({}); moved to {}", file, problem, aside);
    try {
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException moved) {
      LOG.error("could not move {} aside: {}", file, moved.getMessage());
    }
    String first = problem.lines().findFirst().orElse("");
    return new NodeRecord(
        dir, new Data(), "the node record did not parse (" + first + "); set aside as " + aside);
  }

  /** Why the record found at open was set aside (not trusted at all); empty when it was not. */
  public Optional<String> setAside() {
    return Optional.ofNullable(setAside);
  }

  /** The agent's remembered history; empty when no agent wrote one (a first start). */
  public synchronized Optional<History> history() {
    return Optional.ofNullable(data.history).map(HistoryRecord::toHistory);
  }

  /** Makes the history durable; throws when it cannot. */
  public synchronized void saveHistory(History h) throws IOException {
    Data next = copy();
    next.history = HistoryRecord.of(h);
    save(next);
  }

  /** The directory the record lives in; empty for an in-memory record. */
  public Optional<Path> dir() {
    return Optional.ofNullable(dir);
  }

  public synchronized Optional<AutoOnlineSwitch> autoOnlineSwitch() {
    return Optional.ofNullable(data.autoOnlineSwitch);
  }

  /** Records a switch before it is made; throws when it cannot be made durable. */
  public synchronized void recordSwitch(AutoOnlineSwitch s) throws IOException {
    Data next = copy();
    next.autoOnlineSwitch = s;
    save(next);
  }

  /** Forgets the switch once the previous value is back. */
  public synchronized void clearSwitch() throws IOException {
    if (data.autoOnlineSwitch == null) {
      return;
    }
    Data next = copy();
    next.autoOnlineSwitch = null;
    save(next);
  }

  public synchronized Optional<UdevOnline> udevOnline() {
    return Optional.ofNullable(data.udevOnline);
  }

  /** Remembers that a udev rule (or another tool) onlined a device's blocks right after a bind. */
  public synchronized void recordUdevOnline(UdevOnline seen) throws IOException {
    if (data.udevOnline != null) {
      return;
    }
    Data next = copy();
    next.udevOnline = seen;
    save(next);
  }

  private Data copy() {
    Data d = new Data();
    d.autoOnlineSwitch = data.autoOnlineSwitch;
    d.udevOnline = data.udevOnline;
    d.history = data.history;
    return d;
  }

  private void save(Data next) throws IOException {
    if (dir != null) {
      byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(next);
      AtomicFile.write(dir, FILE, bytes);
    }
    data = next;
  }
}
