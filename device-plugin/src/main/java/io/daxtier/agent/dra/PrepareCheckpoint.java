package io.daxtier.agent.dra;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.daxtier.api.v1alpha1.PoolMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prepared claims, durable in {@code <state-dir>/}{@value #FILE} (versioned JSON, written
 * atomically after every change), so that an agent restart keeps the capacity ledger and can still
 * unprepare what an earlier run prepared. A file that does not parse, or of an unknown version, is
 * moved aside ({@code .corrupt-<epoch seconds>}) and reported; the plugin then starts empty.
 */
final class PrepareCheckpoint {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareCheckpoint.class);

  static final String FILE = "dra-prepared-claims.json";
  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The file's content. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class Data {
    public int version = VERSION;
    public String driver = DraNames.DRIVER;
    public List<Claim> claims = new ArrayList<>();
  }

  /** One prepared claim. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class Claim {
    public String namespace;
    public String name;
    public String uid;
    public List<Device> devices = new ArrayList<>();
  }

  /** One prepared device. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class Device {
    public String request;
    public String pool;
    public String device;
    public PoolMode mode;
    public int numaNode;
    public long bytes;
    public String devDaxPath;
    public String cdiName;
  }

  private final Path file;
  private final Clock clock;
  private String setAside;

  PrepareCheckpoint(Path stateDir, Clock clock) {
    this.file = stateDir.resolve(FILE);
    this.clock = clock;
  }

  Path file() {
    return file;
  }

  /** Why the checkpoint found at load was set aside; empty when it was not. */
  Optional<String> setAside() {
    return Optional.ofNullable(setAside);
  }

  /** The prepared claims of the last run; empty when there is no checkpoint or it is unusable. */
  List<PreparedClaim> load() {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    String problem;
    try {
      Data data = JSON.readValue(file.toFile(), Data.class);
      if (data.version != VERSION) {
        throw new IOException("version " + data.version + ", this agent reads " + VERSION);
      }
      List<PreparedClaim> out = new ArrayList<>();
      for (Claim c : data.claims) {
        List<PreparedDevice> devices = new ArrayList<>();
        for (Device d : c.devices) {
          if (d.device == null || d.mode == null || d.cdiName == null) {
            throw new IOException("claim " + c.uid + " has an incomplete device");
          }
          devices.add(
              new PreparedDevice(
                  d.request,
                  d.pool,
                  d.device,
                  d.mode,
                  d.numaNode,
                  d.bytes,
                  d.devDaxPath,
                  d.cdiName));
        }
        out.add(new PreparedClaim(new ClaimRef(c.namespace, c.name, c.uid), devices));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    Path aside = file.resolveSibling(FILE + ".corrupt-" + clock.instant().getEpochSecond());
    String first = problem.lines().findFirst().orElse("");
    LOG.error(
        "DRA checkpoint {} is unusable ({}); moved to {}; starting with no prepared claims",
        file,
        first,
        aside);
    try {
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException moved) {
      LOG.error("could not move {} aside: {}", file, moved.getMessage());
    }
    setAside = "the DRA checkpoint did not parse (" + first + "); set aside as " + aside;
    return List.of();
  }

  /** Makes the prepared claims durable; throws when it cannot. */
  void save(Collection<PreparedClaim> claims) throws IOException {
    Data data = new Data();
    for (PreparedClaim pc : claims) {
      Claim c = new Claim();
      c.namespace = pc.claim().namespace();
      c.name = pc.claim().name();
      c.uid = pc.claim().uid();
      for (PreparedDevice d : pc.devices()) {
        Device x = new Device();
        x.request = d.request();
        x.pool = d.pool();
        x.device = d.device();
        x.mode = d.mode();
        x.numaNode = d.numaNode();
        x.bytes = d.bytes();
        x.devDaxPath = d.devDaxPath();
        x.cdiName = d.cdiName();
        c.devices.add(x);
      }
      data.claims.add(c);
    }
    DraFiles.write(file, JSON.writeValueAsBytes(data));
  }
}
