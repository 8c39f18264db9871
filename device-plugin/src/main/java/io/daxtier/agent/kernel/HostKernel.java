package io.daxtier.agent.kernel;

import io.daxtier.agent.process.Subprocess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The real kernel: {@code sys/}, {@code proc/} and {@code dev/} under a root directory. */
public final class HostKernel implements Kernel {

  private final Path root;

  public HostKernel(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  Path host(String kernelPath) {
    String rel = kernelPath.startsWith("/") ? kernelPath.substring(1) : kernelPath;
    return root.resolve(rel);
  }

  @Override
  public Optional<String> read(String path) {
    try {
      return Optional.of(new String(Files.readAllBytes(host(path)), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<byte[]> readBytes(String path) {
    try {
      return Optional.of(Files.readAllBytes(host(path)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public void write(String path, String value) {
    // One write(2) of the whole value without O_CREAT or O_TRUNC: sysfs stores act per write.
    try (FileChannel ch = FileChannel.open(host(path), StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
      ch.write(buf);
    } catch (NoSuchFileException e) {
      throw new KernelException(path, value, Errno.ENOENT, null);
    } catch (AccessDeniedException e) {
      throw new KernelException(path, value, Errno.EACCES, e.getReason());
    } catch (IOException e) {
      throw new KernelException(path, value, Errno.fromMessage(e.getMessage()), e.getMessage());
    }
  }

  @Override
  public List<String> list(String dir) {
    Path p = host(dir);
    if (!Files.isDirectory(p)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(p)) {
      List<String> names = new ArrayList<>();
      s.forEach(c -> names.add(c.getFileName().toString()));
      Collections.sort(names);
      return names;
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public Optional<String> readlink(String path) {
    Path p = host(path);
    try {
      Path target = Files.readSymbolicLink(p);
      // sysfs links are relative to the directory that really holds them: resolve the parent's
      // own links first (e.g. /sys/bus/dax/devices/dax0.0 -> ../../../devices/.../dax0.0).
      Path realRoot = root.toRealPath();
      Path abs = p.getParent().toRealPath().resolve(target).normalize();
      if (!abs.startsWith(realRoot)) {
        return Optional.empty();
      }
      return Optional.of("/" + realRoot.relativize(abs).toString().replace('\\', '/'));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean exists(String path) {
    return Files.exists(host(path), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public Optional<byte[]> readAt(String path, long offset, int length) {
    try (FileChannel ch = FileChannel.open(host(path), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(length);
      int n = ch.read(buf, offset);
      if (n != length) {
        return Optional.empty();
      }
      return Optional.of(buf.array());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean loadModule(String name) {
    if (!root.equals(Path.of("/"))) {
      return false; // a fixture tree has no modules to load
    }
    return Subprocess.run(List.of("modprobe", name), Duration.ofSeconds(30)).exitCode() == 0;
  }
}
