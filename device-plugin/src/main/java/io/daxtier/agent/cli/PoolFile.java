package io.daxtier.agent.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.daxtier.api.rules.PoolRules;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the desired pools from a YAML file: PmemPool manifests (one per document, precedence in
 * file order) or one PmemNode whose spec lists them.
 */
public final class PoolFile {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** The file is unreadable or invalid; the message says where. */
  public static final class BadPoolFile extends Exception {
    private static final long serialVersionUID = 1L;

    BadPoolFile(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Pools and the generation they come from (the file's documents have none: null). */
  public record Desired(List<NodePool> pools, Long generation) {}

  private PoolFile() {}

  public static Desired read(Path file) throws BadPoolFile {
    List<NodePool> pools = new ArrayList<>();
    Long generation = null;
    try (YAMLParser parser =
        (YAMLParser) YAML.getFactory().createParser(Files.newBufferedReader(file))) {
      ObjectReader reader = YAML.readerFor(JsonNode.class);
      var docs = reader.readValues(parser);
      while (docs.hasNext()) {
        JsonNode doc = (JsonNode) docs.next();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        String kind = doc.path("kind").asText("");
        if (kind.equals("PmemPool")) {
          PmemPool p = YAML.treeToValue(doc, PmemPool.class);
          if (p.getMetadata() == null || p.getMetadata().getName() == null) {
            throw new BadPoolFile(file + ": a PmemPool needs metadata.name", null);
          }
          PmemPoolSpec spec = p.getSpec() == null ? new PmemPoolSpec() : p.getSpec();
          pools.add(
              new NodePool(
                  p.getMetadata().getName(),
                  p.getMetadata().getUid(),
                  p.getMetadata().getGeneration(),
                  NodePoolState.Active,
                  spec));
        } else if (kind.equals("PmemNode")) {
          PmemNode n = YAML.treeToValue(doc, PmemNode.class);
          pools.addAll(n.getSpec().pools);
          generation = n.getMetadata() == null ? null : n.getMetadata().getGeneration();
        } else {
          throw new BadPoolFile(
              file + ": kind must be PmemPool or PmemNode, found '" + kind + "'", null);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new BadPoolFile(file + ": " + e.getMessage().split("\n")[0], e);
    }
    if (pools.isEmpty()) {
      throw new BadPoolFile(file + ": no PmemPool in the file", null);
    }
    for (NodePool p : pools) {
      validate(file, p);
    }
    return new Desired(pools, generation);
  }

  /**
   * The checks the API server would have made: the shared {@link PoolRules} (every problem, each
   * naming its field), before anything touches the kernel.
   */
  private static void validate(Path file, NodePool p) throws BadPoolFile {
    List<String> errors = PoolRules.problems(p.name, p.spec);
    if (!errors.isEmpty()) {
      throw new BadPoolFile(file + ": pool " + p.name + ": " + String.join("; ", errors), null);
    }
  }
}
