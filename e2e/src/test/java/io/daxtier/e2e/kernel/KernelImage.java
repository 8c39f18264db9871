package io.daxtier.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Debian's kernel as cached by {@code .ci/install-kernel-deps.sh}: the ABI name resolved from the
 * {@code linux-image-amd64} metapackage, the uncompressed {@code vmlinux} and its modules tree.
 */
public record KernelImage(String abi, Path root) {

  /** Where the install script caches kernels unless {@code DAXTIER_KERNEL_CACHE} says otherwise. */
  public static final Path DEFAULT_CACHE = Path.of("/var/cache/daxtier-kernel");

  /** The cache directory in effect. */
  public static Path cacheDir() {
    String env = System.getenv("DAXTIER_KERNEL_CACHE");
    return env == null || env.isBlank() ? DEFAULT_CACHE : Path.of(env);
  }

  /** The kernel named by {@code <cache>/current}, if it is complete. */
  public static Optional<KernelImage> cached() {
    Path current = cacheDir().resolve("current");
    if (!Files.isReadable(current)) {
      return Optional.empty();
    }
    try {
      String abi = Files.readString(current).trim();
      KernelImage image = new KernelImage(abi, cacheDir().resolve(abi));
      return Files.isReadable(image.vmlinux())
              && Files.isReadable(image.modulesDir().resolve("modules.dep"))
          ? Optional.of(image)
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The uncompressed ELF kernel, booted through its PVH entry note. */
  public Path vmlinux() {
    return root.resolve("boot/vmlinux-" + abi);
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
}
