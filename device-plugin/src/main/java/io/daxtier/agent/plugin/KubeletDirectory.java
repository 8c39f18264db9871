package io.daxtier.agent.plugin;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's device-plugin directory: where {@code kubelet.sock} and our sockets live, and a
 * non-blocking watch of it. A kubelet restart shows as our sockets being deleted (its {@code
 * CleanupPluginDirectory}) and {@code kubelet.sock} being created again (kernel-abi.md §2.8).
 */
final class KubeletDirectory implements AutoCloseable {
  static final String KUBELET_SOCKET = "kubelet.sock";

  private final Path dir;
  private final WatchService watcher;

  KubeletDirectory(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    this.watcher = dir.getFileSystem().newWatchService();
    dir.register(
        watcher,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_DELETE,
        StandardWatchEventKinds.OVERFLOW);
  }

  Path dir() {
    return dir;
  }

  Path kubeletSocket() {
    return dir.resolve(KUBELET_SOCKET);
  }

  /** True when anything was created or deleted since the last call. Never blocks. */
  boolean drainEvents() {
    boolean changed = false;
    try {
      WatchKey key;
      while ((key = watcher.poll(0, TimeUnit.MILLISECONDS)) != null) {
        changed |= !key.pollEvents().isEmpty();
        key.reset();
      }
    } catch (ClosedWatchServiceException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return changed;
  }

  /** Which kubelet socket is there now: a new kubelet creates a new file. */
  Optional<SocketIdentity> kubeletIdentity() {
    try {
      BasicFileAttributes a =
          Files.readAttributes(
              kubeletSocket(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return Optional.of(
          new SocketIdentity(a.fileKey(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    watcher.close();
  }

  /** Inode plus modification time: inode numbers alone are reused after a delete. */
  record SocketIdentity(Object fileKey, long modifiedNanos) {}
}
