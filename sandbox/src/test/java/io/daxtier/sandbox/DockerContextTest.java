package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The images' build context lets in everything their Dockerfiles copy. The repository's
 * .dockerignore excludes everything ({@code *}) and lets listed paths back in ({@code !path}); a
 * COPY of a path it keeps out fails only when an image is built, which needs a Docker engine.
 */
class DockerContextTest {
  private static final Path REPO = Path.of(System.getProperty("daxtier.repo", ".."));
  private static final Pattern COPY = Pattern.compile("^COPY\\s+(?:--\\S+\\s+)*(\\S+)\\s+\\S+$");

  @Test
  void everyCopiedPathIsInTheBuildContextAndExists() throws IOException {
    List<String> rules =
        Files.readAllLines(REPO.resolve(".dockerignore")).stream()
            .map(String::trim)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    List<String> sources = new ArrayList<>();
    for (String image : List.of("device-plugin/Dockerfile", "operator/Dockerfile")) {
      for (String line : Files.readAllLines(REPO.resolve(image))) {
        Matcher m = COPY.matcher(line.trim());
        // COPY --from=STAGE copies from an earlier build stage, not from the build context
        if (m.matches() && !line.trim().startsWith("COPY --from=")) {
          sources.add(m.group(1));
        }
      }
    }
    assertThat(sources).contains("device-plugin/jvm.options", "device-plugin/cds-archive.sh");
    for (String source : sources) {
      assertThat(included(rules, source)).as(source + " let in by .dockerignore").isTrue();
      if (!source.contains("/target/")) {
        assertThat(REPO.resolve(source)).as(source).exists();
      }
    }
  }

  /** The last rule that matches decides; {@code *} matches everything, a path itself and below. */
  private static boolean included(List<String> rules, String path) {
    String p = path.replaceAll("/$", "");
    boolean in = true;
    for (String rule : rules) {
      boolean negated = rule.startsWith("!");
      String pattern = (negated ? rule.substring(1) : rule).replaceAll("/$", "");
      if (pattern.equals("*") || p.equals(pattern) || p.startsWith(pattern + "/")) {
        in = negated;
      }
    }
    return in;
  }

  @Test
  void theRuleMatcherKeepsOutWhatIsNotListed() {
    List<String> rules = List.of("*", "!a/b.jar", "!c/");
    assertThat(included(rules, "a/b.jar")).isTrue();
    assertThat(included(rules, "c/d/e")).isTrue();
    assertThat(included(rules, "a/other")).isFalse();
    assertThat(included(rules, "x")).isFalse();
  }
}
