package io.daxtier.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one guest boot handed back through the writable share: the script's exit code, stdout,
 * stderr and every file it wrote to {@code $OUT}, plus the console log.
 */
public record GuestRun(Path dir, int exitCode, double hostSeconds) {

  /** The script's standard output. */
  public String stdout() {
    return file("stdout.txt");
  }

  /** The script's standard error. */
  public String stderr() {
    return file("stderr.txt");
  }

  /** A file the script wrote to {@code $OUT}, relative to it. */
  public String file(String name) {
    try {
      return Files.readString(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException("guest result " + name + " missing in " + dir, e);
    }
  }

  /** Whether the script wrote {@code name}. */
  public boolean has(String name) {
    return Files.exists(path(name));
  }

  /** The host path of a file in {@code $OUT}. */
  public Path path(String name) {
    return dir.resolve(name);
  }

  /** A short description for assertion messages: exit code, stderr and where the logs are. */
  public String describe() {
    String err = has("stderr.txt") ? stderr() : "";
    return "guest exit "
        + exitCode
        + ", logs in "
        + dir
        + (err.isBlank() ? "" : "\nstderr:\n" + err);
  }
}
