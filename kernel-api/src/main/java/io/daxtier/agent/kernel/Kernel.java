package io.daxtier.agent.kernel;

import java.util.List;
import java.util.Optional;

/**
 * The agent's only window on the kernel: sysfs, procfs and devfs as absolute kernel paths ({@code
 * /sys/...}, {@code /proc/...}, {@code /dev/...}). Implementations: the agent's {@code HostKernel}
 * (a real tree under an injected root) and the simulator's {@code SimulatedKernel}.
 */
public interface Kernel {

  /** The whole attribute, or empty when it does not exist or cannot be read (ENXIO, ENOTTY...). */
  Optional<String> read(String path);

  /**
   * Writes one attribute in a single write; a refusal is a {@link KernelException} with its errno.
   */
  void write(String path, String value);

  /** Entry names in a directory, sorted; empty when the directory does not exist. */
  List<String> list(String dir);

  /** The absolute, normalised kernel path a symlink points to. */
  Optional<String> readlink(String path);

  /** Whether a file, directory or link exists. */
  boolean exists(String path);

  /** Bytes read at an offset (MSR reads through {@code /dev/cpu/N/msr}); empty when unreadable. */
  Optional<byte[]> readAt(String path, long offset, int length);

  /** The whole file as bytes (binary files such as {@code /proc/config.gz}), or empty. */
  default Optional<byte[]> readBytes(String path) {
    return read(path).map(s -> s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  /** Loads a kernel module ({@code modprobe}); true when it is loaded afterwards. */
  boolean loadModule(String name);

  /** The trimmed attribute, or empty. */
  default Optional<String> readTrimmed(String path) {
    return read(path).map(String::trim);
  }
}
