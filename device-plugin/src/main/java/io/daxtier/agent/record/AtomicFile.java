package io.daxtier.agent.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a file in the state directory so that a crash leaves either the old content or the new
 * one: a temporary file written and fsynced, renamed over the file, then the directory fsynced (the
 * rename itself).
 */
final class AtomicFile {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicFile.class);

  private AtomicFile() {}

  /** Owner only: the record says which memory may be erased, onlined or left alone. */
  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  static void write(Path dir, String file, byte[] bytes) throws IOException {
    secureDir(dir);
    Path tmp = dir.resolve(file + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the state directory " + dir + " cannot rename atomically", e);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      LOG.debug("fsync of {} not supported: {}", dir, e.getMessage());
    }
  }

  /**
   * Creates the state directory with mode 0700, or narrows an existing one to it (a hostPath the
   * kubelet created is 0755): the agent runs as root, so the directory is root's alone.
   */
  static void secureDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(dir);
        return;
      }
    }
    try {
      if (!Files.getPosixFilePermissions(dir).equals(DIR_MODE)) {
        Files.setPosixFilePermissions(dir, DIR_MODE);
        LOG.info("state directory {} narrowed to mode 0700", dir);
      }
    } catch (UnsupportedOperationException e) {
      LOG.debug("{} has no POSIX permissions", dir);
    }
  }
}
