package io.daxtier.e2e.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Captures the read-only sysfs fixture inside the guest: the dax and nd buses, the NVDIMM device
 * tree, memory blocks, NUMA nodes, memory tiers and a few /proc files. Format: see
 * docs/real-kernel-tests.md ({@code MANIFEST.tsv} plus {@code files/}). The guest writes it as one
 * zip, because every file created over 9p costs several round trips under TCG.
 */
public final class SysfsSnapshot {

  static final String HEADER =
      "# daxtier sysfs fixture v1: type<TAB>mode<TAB>path[<TAB>link target | read error]";

  /** Trees captured whole (symlinks recorded, never followed; power/ directories left out). */
  static final List<String> TREES =
      List.of(
          "/sys/bus/dax",
          "/sys/bus/nd",
          "/sys/devices/system/memory",
          "/sys/devices/system/node",
          "/sys/devices/virtual/memory_tiering",
          "/sys/kernel/mm/numa",
          "/sys/module/memory_hotplug/parameters",
          "/sys/dev/char");

  static final List<String> FILES =
      List.of(
          "/proc/meminfo",
          "/proc/cpuinfo",
          "/proc/cmdline",
          "/proc/iomem",
          "/proc/sys/kernel/osrelease",
          "/proc/sys/kernel/numa_balancing");

  private static final int MAX_BYTES = 1 << 20;

  private final Path sourceRoot;
  private final TreeMap<String, String> manifest = new TreeMap<>();
  private final TreeMap<String, byte[]> contents = new TreeMap<>();

  SysfsSnapshot(Path sourceRoot) {
    this.sourceRoot = sourceRoot;
  }

  /** {@code SysfsSnapshot OUT.zip}: captures the running kernel's subset into a zip. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: SysfsSnapshot OUT.zip");
    }
    SysfsSnapshot snapshot = new SysfsSnapshot(Path.of("/"));
    snapshot.capture();
    try (OutputStream out = Files.newOutputStream(Path.of(args[0]));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : snapshot.entries().entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    System.out.println("captured " + snapshot.manifest.size() + " entries into " + args[0]);
  }

  /** Unpacks a snapshot zip written by {@link #main} into {@code dir}. */
  public static void unzip(Path zip, Path dir) throws IOException {
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream entries = new ZipInputStream(in)) {
      for (ZipEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
        Path dest = dir.resolve(e.getName()).normalize();
        if (!dest.startsWith(dir)) {
          throw new IOException("zip entry outside the target: " + e.getName());
        }
        Files.createDirectories(dest.getParent());
        Files.write(dest, entries.readAllBytes());
      }
    }
  }

  void capture() throws IOException {
    List<Path> trees = new ArrayList<>();
    for (String tree : TREES) {
      trees.add(sourceRoot.resolve(tree.substring(1)));
    }
    trees.addAll(nvdimmBusDevices());
    for (Path tree : trees) {
      if (Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
        addParents(tree);
        walk(tree);
      }
    }
    for (String file : FILES) {
      Path p = sourceRoot.resolve(file.substring(1));
      if (Files.exists(p)) {
        addParents(p);
        addFile(p);
      }
    }
  }

  /** The manifest and the captured contents, keyed by their path in the fixture. */
  Map<String, byte[]> entries() {
    StringBuilder text = new StringBuilder(HEADER).append('\n');
    manifest.values().forEach(line -> text.append(line).append('\n'));
    Map<String, byte[]> all = new TreeMap<>();
    all.put("MANIFEST.tsv", text.toString().getBytes(StandardCharsets.UTF_8));
    contents.forEach((path, bytes) -> all.put("files/" + path, bytes));
    return all;
  }

  /** The real directories of the NVDIMM buses: regions, namespaces, dax devices and DIMMs. */
  private List<Path> nvdimmBusDevices() throws IOException {
    List<Path> buses = new ArrayList<>();
    Path devices = sourceRoot.resolve("sys/bus/nd/devices");
    if (!Files.isDirectory(devices)) {
      return buses;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(devices, "ndbus*")) {
      for (Path bus : entries) {
        buses.add(bus.toRealPath());
      }
    }
    return buses;
  }

  private void walk(Path tree) throws IOException {
    Files.walkFileTree(
        tree,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (dir.getFileName().toString().equals("power")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            put("d", dir, null);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isSymbolicLink()) {
              put("l", file, Files.readSymbolicLink(file).toString());
            } else if (attrs.isRegularFile()) {
              addFile(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            put("e", file, reason(e));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * Records one file: text contents are kept ({@code f}); binary attributes are listed without
   * contents ({@code b}); unreadable ones (write-only attributes, ENXIO from QEMU's DSM-less DIMMs)
   * are listed with the error ({@code e}).
   */
  private void addFile(Path file) {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      put("e", file, reason(e));
      return;
    }
    if (content.length > MAX_BYTES || !isText(content)) {
      put("b", file, null);
      return;
    }
    contents.put(rel(file), content);
    put("f", file, null);
  }

  private void addParents(Path p) {
    for (Path parent = p.getParent();
        parent != null && !parent.equals(sourceRoot);
        parent = parent.getParent()) {
      String key = rel(parent);
      manifest.putIfAbsent(key, "d\t0755\t" + key);
    }
  }

  private void put(String type, Path p, String extra) {
    String mode = type.equals("l") ? "0777" : mode(p);
    String key = rel(p);
    manifest.put(key, type + "\t" + mode + "\t" + key + (extra == null ? "" : "\t" + extra));
  }

  private String rel(Path p) {
    return sourceRoot.relativize(p).toString();
  }

  private static String mode(Path p) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      int bits = 0;
      for (PosixFilePermission perm : perms) {
        bits |= 1 << (8 - perm.ordinal());
      }
      return String.format("%04o", bits);
    } catch (IOException e) {
      return "0000";
    }
  }

  private static String reason(IOException e) {
    String r = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
    if (r == null) {
      r = e instanceof AccessDeniedException ? "Permission denied" : e.getClass().getSimpleName();
    }
    return r.replace('\t', ' ').replace('\n', ' ');
  }

  private static boolean isText(byte[] content) {
    for (byte b : content) {
      if (b == 0) {
        return false;
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
