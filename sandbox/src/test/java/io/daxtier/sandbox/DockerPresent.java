package io.daxtier.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a test class when nothing points at a Docker daemon, before Testcontainers is touched:
 * its own check ({@code disabledWithoutDocker}) runs every client strategy and logs an ERROR
 * ("Could not find a valid Docker environment") on a machine that simply has no Docker. Looks for
 * DOCKER_HOST, Testcontainers' docker.host / TESTCONTAINERS_HOST_OVERRIDE settings, or a socket at
 * the usual places (rootful, rootless, Docker Desktop). Register it before {@code @Testcontainers}:
 * JUnit stops at the first condition that disables.
 */
public final class DockerPresent implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return where()
        .map(w -> ConditionEvaluationResult.enabled("Docker: " + w))
        .orElse(
            ConditionEvaluationResult.disabled(
                "no Docker: DOCKER_HOST unset and no docker.sock (/var/run, $XDG_RUNTIME_DIR,"
                    + " ~/.docker/run)"));
  }

  static Optional<String> where() {
    for (String env : new String[] {"DOCKER_HOST", "TESTCONTAINERS_HOST_OVERRIDE"}) {
      String v = System.getenv(env);
      if (v != null && !v.isBlank()) {
        return Optional.of(env + "=" + v);
      }
    }
    String home = System.getProperty("user.home", "");
    if (Files.isRegularFile(Path.of(home, ".testcontainers.properties"))) {
      return Optional.of("~/.testcontainers.properties");
    }
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    for (Path socket :
        new Path[] {
          Path.of("/var/run/docker.sock"),
          runtime == null ? null : Path.of(runtime, "docker.sock"),
          Path.of(home, ".docker", "run", "docker.sock"),
          Path.of(home, ".docker", "desktop", "docker.sock")
        }) {
      if (socket != null && Files.exists(socket)) {
        return Optional.of(socket.toString());
      }
    }
    return Optional.empty();
  }
}
