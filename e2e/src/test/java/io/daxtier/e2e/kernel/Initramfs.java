package io.daxtier.e2e.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds (once, cached by content) the guest's initramfs: static busybox, {@code /init} and the
 * NVDIMM, dax, kmem, virtio and 9p modules in dependency order.
 */
public final class Initramfs {

  /** The modules the guest needs; their dependencies are added by modprobe. */
  static final List<String> MODULES =
      List.of(
          "virtio_pci",
          "9pnet_virtio",
          "9p",
          "overlay",
          "nfit",
          "nd_pmem",
          "nd_btt",
          "dax_pmem",
          "device_dax",
          "kmem");

  /**
   * The modules for a guest that loads the NVDIMM test bus itself ({@code modprobe nfit_test} from
   * the updates/ tree): the stock NVDIMM modules must not be loaded first.
   */
  static final List<String> BASE_MODULES = List.of("virtio_pci", "9pnet_virtio", "9p", "overlay");

  static final Path BUSYBOX = Path.of("/bin/busybox");

  private Initramfs() {}

  /** Returns the image for {@code kernel}, building it under {@code cacheDir} if needed. */
  public static Path build(KernelImage kernel, Path cacheDir)
      throws IOException, InterruptedException {
    return build(kernel, cacheDir, MODULES);
  }

  /** As {@link #build(KernelImage, Path)} with only {@code names} (and their dependencies). */
  public static synchronized Path build(KernelImage kernel, Path cacheDir, List<String> names)
      throws IOException, InterruptedException {
    Files.createDirectories(cacheDir);
    Path emptyConf = Files.createDirectories(cacheDir.resolve("modprobe-empty.d"));
    List<Path> modules = moduleOrder(kernel, emptyConf, names);
    byte[] init = initScript();
    Path image = cacheDir.resolve("initrd-" + kernel.abi() + "-" + digest(init, modules) + ".img");
    if (Files.isReadable(image)) {
      return image;
    }
    Path stage = Files.createTempDirectory(cacheDir, "stage");
    Files.createDirectories(stage.resolve("bin"));
    Files.createDirectories(stage.resolve("modules"));
    Files.copy(BUSYBOX, stage.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.write(stage.resolve("init"), init);
    Files.setPosixFilePermissions(
        stage.resolve("init"), PosixFilePermissions.fromString("rwxr-xr-x"));
    StringBuilder order = new StringBuilder();
    for (Path module : modules) {
      Files.copy(module, stage.resolve("modules").resolve(module.getFileName()));
      order.append(module.getFileName()).append('\n');
    }
    Files.writeString(stage.resolve("modules.order"), order);
    Path partial = cacheDir.resolve(image.getFileName() + ".part");
    Process cpio =
        new ProcessBuilder("sh", "-c", "find . -print | cpio -o -H newc -R 0:0 --quiet")
            .directory(stage.toFile())
            .redirectOutput(partial.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (cpio.waitFor() != 0) {
      throw new IOException("cpio failed building " + image);
    }
    Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
    PathTrees.delete(stage);
    return image;
  }

  /**
   * The module files in load order. An empty config directory ({@code -C}) keeps the host's
   * modprobe.d out: Debian's nvdimm-security.conf turns libnvdimm into an {@code ndctl load-keys}
   * install rule, which {@code --ignore-install} does not skip for dependencies.
   */
  static List<Path> moduleOrder(KernelImage kernel, Path emptyConf, List<String> names)
      throws IOException, InterruptedException {
    Set<Path> ordered = new LinkedHashSet<>();
    for (String module : names) {
      List<String> command =
          List.of(
              "modprobe",
              "-C",
              emptyConf.toString(),
              "--ignore-install",
              "--show-depends",
              "-d",
              kernel.root().toString(),
              "-S",
              kernel.abi(),
              module);
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out);
      }
      for (String line : out.split("\n")) {
        String[] words = line.trim().split("\\s+");
        if (words.length >= 2 && words[0].equals("insmod")) {
          ordered.add(Path.of(words[1]));
        }
      }
    }
    return new ArrayList<>(ordered);
  }

  static byte[] initScript() throws IOException {
    try (InputStream in = Initramfs.class.getResourceAsStream("init.sh")) {
      if (in == null) {
        throw new IOException("init.sh missing from the test resources");
      }
      return in.readAllBytes();
    }
  }

  private static String digest(byte[] init, List<Path> modules) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(init);
      for (Path module : modules) {
        sha.update(module.toString().getBytes(StandardCharsets.UTF_8));
      }
      sha.update(Long.toString(BUSYBOX.toFile().length()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
