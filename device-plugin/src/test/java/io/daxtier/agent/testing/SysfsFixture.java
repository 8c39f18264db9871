package io.daxtier.agent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sysfs trees captured from real kernels ({@code src/test/resources/sysfs-fixtures/}, format in
 * docs/real-kernel-tests.md) written out as a root a {@link io.daxtier.agent.kernel.HostKernel}
 * reads: directories, files and symlinks; write-only attributes as empty files; unreadable
 * attributes left absent.
 */
public final class SysfsFixture {
  private SysfsFixture() {}

  /** The directory of one capture, e.g. {@code qemu-6.1-nvdimm/system-ram}. */
  public static Path dir(String name) {
    URL url = SysfsFixture.class.getResource("/sysfs-fixtures/" + name + "/MANIFEST.tsv");
    if (url == null) {
      throw new IllegalArgumentException("no sysfs fixture " + name);
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the capture out under {@code tree} and returns it. */
  public static Path materialize(String name, Path tree) {
    Path fixture = dir(name);
    try {
      for (String line : Files.readAllLines(fixture.resolve("MANIFEST.tsv"))) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        Path p = tree.resolve(f[2]);
        switch (f[0]) {
          case "d" -> Files.createDirectories(p);
          case "f" -> {
            Files.createDirectories(p.getParent());
            Files.copy(fixture.resolve("files").resolve(f[2]), p);
          }
          case "l" -> {
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, Path.of(f[3]));
          }
          case "e" -> {
            if ((Integer.parseInt(f[1], 8) & 0444) == 0) {
              Files.createDirectories(p.getParent());
              Files.createFile(p);
            }
          }
          default -> {
            // an entry type this harness does not know: left out
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tree;
  }
}
