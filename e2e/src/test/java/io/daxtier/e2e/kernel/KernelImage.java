package io.daxtier.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One of Debian's kernels as cached by {@code .ci/install-kernel-deps.sh}: its series name ({@code
 * 6.1}, {@code 6.12}), the ABI resolved from a metapackage, the kernel to boot and its modules
 * tree.
 */
public record KernelImage(String name, String abi, Path root) {

  /** Where the install script caches kernels unless {@code DAXTIER_KERNEL_CACHE} says otherwise. */
  public static final Path DEFAULT_CACHE = Path.of("/var/cache/daxtier-kernel");

  /** The cache directory in effect. */
  public static Path cacheDir() {
    String env = System.getenv("DAXTIER_KERNEL_CACHE");
    return env == null || env.isBlank() ? DEFAULT_CACHE : Path.of(env);
  }

  /**
   * Every complete kernel the install script listed in {@code <cache>/kernels} ({@code name abi}
   * lines; an older cache's {@code current} counts as one), in that order, narrowed to the names in
   * {@code -Ddaxtier.kernels} or {@code DAXTIER_KERNELS} (space or comma separated) when set.
   */
  public static List<KernelImage> all() {
    List<KernelImage> found = new ArrayList<>();
    Set<String> wanted = wanted();
    try {
      Path index = cacheDir().resolve("kernels");
      Path current = cacheDir().resolve("current");
      List<String> lines =
          Files.isReadable(index)
              ? Files.readAllLines(index)
              : Files.isReadable(current)
                  ? List.of(
                      seriesOf(Files.readString(current).trim())
                          + " "
                          + Files.readString(current).trim())
                  : List.of();
      for (String line : lines) {
        String[] f = line.trim().split("\\s+");
        if (f.length != 2 || !(wanted.isEmpty() || wanted.contains(f[0]))) {
          continue;
        }
        KernelImage image = new KernelImage(f[0], f[1], cacheDir().resolve(f[1]));
        if (image.complete()) {
          found.add(image);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /** The first kernel of {@link #all()}: the one a single-kernel run (bench, GuestMain) boots. */
  public static Optional<KernelImage> cached() {
    return all().stream().findFirst();
  }

  /** The cached kernel of series {@code name}. */
  public static Optional<KernelImage> named(String name) {
    return all().stream().filter(k -> k.name().equals(name)).findFirst();
  }

  private static Set<String> wanted() {
    String list = System.getProperty("daxtier.kernels", System.getenv("DAXTIER_KERNELS"));
    return list == null || list.isBlank()
        ? Set.of()
        : Arrays.stream(list.split("[,\\s]+"))
            .filter(s -> !s.isBlank())
            .collect(Collectors.toSet());
  }

  /** {@code 6.12} of {@code 6.12.118+deb12-amd64}, {@code 6.1} of {@code 6.1.0-57-amd64}. */
  static String seriesOf(String abi) {
    String[] parts = abi.split("[.+-]");
    return parts.length >= 2 ? parts[0] + "." + parts[1] : abi;
  }

  private boolean complete() {
    return Files.isReadable(bootImage()) && Files.isReadable(modulesDir().resolve("modules.dep"));
  }

  /**
   * What QEMU boots: the uncompressed ELF {@code vmlinux} through its PVH entry note when the
   * install script could extract it, else the package's bzImage (decompressed by the guest, slower
   * under TCG).
   */
  public Path bootImage() {
    Path vmlinux = root.resolve("boot/vmlinux-" + abi);
    return Files.isReadable(vmlinux) ? vmlinux : root.resolve("boot/vmlinuz-" + abi);
  }

  /** {@code lib/modules/<abi>} with {@code modules.dep}. */
  public Path modulesDir() {
    return root.resolve("lib/modules/" + abi);
  }

  /**
   * The modules tree with the kernel's NVDIMM test bus ({@code nfit_test}, built by {@code
   * .ci/build-nfit-test.sh}) under {@code updates/}, so modprobe loads the wrapped libnvdimm, nfit,
   * nd_pmem, dax_pmem and device_dax; empty until it is built.
   */
  public Optional<Path> nfitTestModulesDir() {
    Path dir = root.resolve("nfit_test/root/lib/modules/" + abi);
    try {
      return Files.isReadable(dir.resolve("modules.dep"))
              && Files.readString(dir.resolve("modules.dep")).contains("nfit_test.ko:")
          ? Optional.of(dir)
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Why nfit_test is not built for this kernel, as the build script recorded it, if it said. */
  public Optional<String> nfitTestSkipReason() {
    Path reason = root.resolve("nfit_test/SKIPPED");
    try {
      return Files.isReadable(reason)
          ? Optional.of(Files.readString(reason).trim())
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name + " (" + abi + ")";
  }
}
