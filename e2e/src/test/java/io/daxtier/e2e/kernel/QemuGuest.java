package io.daxtier.e2e.kernel;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Boots Debian's kernel under QEMU (TCG) with emulated NVDIMMs and runs one bash script in it, in a
 * chroot of the host's root filesystem (shared read-only over 9p, writable through a tmpfs
 * overlay), so the guest uses the host's JDK, ndctl, daxctl and the agent jar.
 */
public final class QemuGuest {

  /**
   * Guests run at most {@code -Ddaxtier.qemuSlots} at a time (default 1) across JVMs and the bench
   * script, each holding a lock on one slot file: a TCG guest keeps one host core busy. The ITs run
   * two at once on a 2-core CI machine (e2e/pom.xml); GuestMain (the benches) uses slot 0.
   */
  static final String LOCK_PREFIX = "daxtier-qemu.lock";

  private static final Duration SLOT_POLL = Duration.ofMillis(250);

  private static final String KERNEL_CMDLINE =
      "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 mitigations=off";

  /**
   * What the scenario guests add to the command line: hot-added memory stays offline, whatever the
   * kernel's build default (6.12's is to online it), so the agent picks the zone as on 6.1. This is
   * the first remedy the agent names on an auto-onlining node; {@link #withKernelDefaults()} boots
   * without it.
   */
  static final String HOTPLUG_OFFLINE = "memhp_default_state=offline";

  private final KernelImage kernel;
  private final GuestTopology topology;
  private final Path workDir;
  private final Duration scriptTimeout;
  private final Map<String, String> env;
  private final boolean nfitTest;
  private final String extraArgs;

  /**
   * @param workDir where each run gets its directory (the writable share) and the initramfs cache
   * @param scriptTimeout how long the script may run inside the guest; the host adds boot slack
   * @param env extra variables exported to the script
   */
  public QemuGuest(
      KernelImage kernel,
      GuestTopology topology,
      Path workDir,
      Duration scriptTimeout,
      Map<String, String> env) {
    this(kernel, topology, workDir, scriptTimeout, env, false, HOTPLUG_OFFLINE);
  }

  private QemuGuest(
      KernelImage kernel,
      GuestTopology topology,
      Path workDir,
      Duration scriptTimeout,
      Map<String, String> env,
      boolean nfitTest,
      String extraArgs) {
    this.kernel = kernel;
    this.topology = topology;
    this.workDir = workDir.toAbsolutePath();
    this.scriptTimeout = scriptTimeout;
    this.env = Map.copyOf(env);
    this.nfitTest = nfitTest;
    this.extraArgs = extraArgs;
  }

  /**
   * The same guest with the kernel's NVDIMM test bus available: its modules tree (nfit_test and the
   * wrapped NVDIMM/dax modules under updates/) is the guest's /lib/modules, and the initramfs loads
   * only virtio, 9p and overlay, so the script's {@code load_nfit_test} brings up both nfit_test's
   * buses and the QEMU NVDIMMs through the wrapped drivers.
   */
  public QemuGuest withNfitTest() {
    if (kernel.nfitTestModulesDir().isEmpty()) {
      throw new IllegalStateException(
          "nfit_test is not built for " + kernel.abi() + ": run .ci/build-nfit-test.sh");
    }
    return new QemuGuest(kernel, topology, workDir, scriptTimeout, env, true, extraArgs);
  }

  /**
   * The same guest with the kernel's own memory-hotplug defaults: no {@code memhp_default_state} on
   * the command line, so a kernel built to online hot-added memory (6.12) does.
   */
  public QemuGuest withKernelDefaults() {
    return new QemuGuest(kernel, topology, workDir, scriptTimeout, env, nfitTest, "");
  }

  /** The kernel this guest boots. */
  public KernelImage kernel() {
    return kernel;
  }

  /** {@code qemu-system-x86_64} from {@code PATH}, if installed. */
  public static Optional<Path> qemuBinary() {
    return onPath("qemu-system-x86_64");
  }

  /** An executable from {@code PATH}. */
  public static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Boots a fresh guest, runs {@code script} (bash, with the helpers of guest-lib.sh) and returns
   * what it handed back. Fails if the guest produced no exit code (crash, panic or timeout).
   */
  public GuestRun run(String name, String script) throws IOException, InterruptedException {
    return run(name, script, Map.of());
  }

  /** As {@link #run(String, String)}, with {@code files} (name to content) placed in $OUT first. */
  public GuestRun run(String name, String script, Map<String, String> files)
      throws IOException, InterruptedException {
    Path dir = workDir.resolve(name + "-" + kernel.name());
    PathTrees.delete(dir);
    Files.createDirectories(dir.resolve(".vm"));
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue());
    }
    Files.writeString(dir.resolve(".vm/env"), guestEnv());
    Files.writeString(dir.resolve("run.sh"), prelude() + script);
    Path initrd =
        nfitTest
            ? Initramfs.build(kernel, workDir.resolve("initramfs"), Initramfs.BASE_MODULES)
            : Initramfs.build(kernel, workDir.resolve("initramfs"));
    Path images =
        Files.createDirectories(workDir.resolve("nvdimm-images").resolve(dir.getFileName()));
    Duration hostTimeout = scriptTimeout.plusSeconds(120);
    long start = System.nanoTime();
    try (Slot slot = Slot.acquire()) {
      for (int attempt = 1; ; attempt++) {
        Files.deleteIfExists(dir.resolve(".vm/started"));
        Process qemu =
            new ProcessBuilder(command(dir, images, initrd))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile())
                .start();
        if (!awaitStart(qemu, dir.resolve(".vm/started"))) {
          // Stuck before the script started (seen once in ~200 boots: idle in init's 9p/overlay
          // mounts under load): nothing of the test ran yet, so the same boot is tried once more.
          qemu.destroyForcibly().waitFor();
          String note =
              String.format(
                  "attempt %d: no script start after %s (console: %s)%n",
                  attempt, BOOT_DEADLINE, lastLine(dir.resolve("console.log")));
          Files.writeString(
              dir.resolve("boot-retries.txt"),
              note,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
          System.err.print("guest " + name + "-" + kernel.name() + ": " + note);
          if (attempt >= BOOT_ATTEMPTS) {
            throw new GuestFailure(
                "guest " + name + " did not start its script in " + attempt + " boots", dir);
          }
          continue;
        }
        if (!qemu.waitFor(hostTimeout.toSeconds(), TimeUnit.SECONDS)) {
          qemu.destroyForcibly().waitFor();
          throw new GuestFailure("guest " + name + " timed out after " + hostTimeout, dir);
        }
        break;
      }
    } finally {
      PathTrees.delete(images);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Path exitCode = dir.resolve("exit_code");
    if (!Files.isReadable(exitCode)) {
      throw new GuestFailure("guest " + name + " handed back no exit code", dir);
    }
    int rc = Integer.parseInt(Files.readString(exitCode).trim());
    Files.writeString(dir.resolve("host-seconds.txt"), String.format("%.2f%n", seconds));
    return new GuestRun(dir, rc, seconds);
  }

  List<String> command(Path dir, Path images, Path initrd) throws IOException {
    List<String> cmd = new ArrayList<>();
    String dram = topology.dramMiB() + "M";
    cmd.addAll(
        List.of(
            qemuBinary()
                .orElseThrow(() -> new IOException("qemu-system-x86_64 not found"))
                .toString(),
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-vga",
            "none",
            "-net",
            "none",
            "-no-reboot",
            // KVM is unusable on these nested machines and multi-threaded TCG crashed the JVM's
            // JIT (cross-modifying code race): real-kernel-notes, "What failed" and finding 1.
            "-accel",
            "tcg,thread=single",
            "-cpu",
            "max",
            "-machine",
            "pc,nvdimm=on",
            "-smp",
            Integer.toString(topology.cpus()),
            "-m",
            dram
                + ",slots="
                + (topology.nvdimms().size() + 2)
                + ",maxmem="
                + topology.maxMemMiB()
                + "M",
            "-object",
            "memory-backend-ram,id=ram0,size=" + dram,
            "-numa",
            "node,nodeid=0,cpus=0-" + (topology.cpus() - 1) + ",memdev=ram0"));
    // Nodes without memory or CPUs: the NVDIMM's SPA proximity domain makes them its target_node.
    for (int node = 1; node <= topology.maxNode(); node++) {
      cmd.addAll(List.of("-numa", "node,nodeid=" + node));
    }
    int i = 0;
    for (GuestTopology.Nvdimm dimm : topology.nvdimms()) {
      Path image = images.resolve("nvdimm" + i + ".img");
      try (RandomAccessFile sparse = new RandomAccessFile(image.toFile(), "rw")) {
        sparse.setLength(dimm.sizeMiB() << 20);
      }
      cmd.addAll(
          List.of(
              "-object",
              "memory-backend-file,id=nvmem"
                  + i
                  + ",share=on,mem-path="
                  + image
                  + ",size="
                  + dimm.sizeMiB()
                  + "M",
              "-device",
              "nvdimm,id=nvdimm"
                  + i
                  + ",memdev=nvmem"
                  + i
                  + ",node="
                  + dimm.node()
                  + (dimm.labelKiB() > 0 ? ",label-size=" + dimm.labelKiB() + "K" : "")));
      i++;
    }
    cmd.addAll(
        List.of(
            "-virtfs",
            "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
            "-virtfs",
            "local,path=" + dir + ",mount_tag=vmshare,security_model=none,multidevs=remap",
            "-chardev",
            "file,id=con0,path=" + dir.resolve("console.log"),
            "-serial",
            "chardev:con0",
            "-kernel",
            kernel.bootImage().toString(),
            "-initrd",
            initrd.toString(),
            "-append",
            extraArgs.isEmpty() ? KERNEL_CMDLINE : KERNEL_CMDLINE + " " + extraArgs));
    return cmd;
  }

  private String guestEnv() {
    return "KERNEL_ABI='"
        + kernel.abi()
        + "'\n"
        + "KERNEL_MODULES='"
        + (nfitTest ? kernel.nfitTestModulesDir().orElseThrow() : kernel.modulesDir())
        + "'\n"
        + "KERNEL_CONFIG='"
        + kernel.root().resolve("boot/config-" + kernel.abi())
        + "'\n"
        + "GUEST_TIMEOUT='"
        + scriptTimeout.toSeconds()
        + "'\n";
  }

  private String prelude() throws IOException {
    StringBuilder sb = new StringBuilder("#!/bin/bash\n");
    sb.append("export JAVA='")
        .append(Path.of(System.getProperty("java.home"), "bin", "java"))
        .append("'\n");
    sb.append("export TEST_CLASSES='").append(testClasses()).append("'\n");
    for (Map.Entry<String, String> e : env.entrySet()) {
      sb.append("export ").append(e.getKey()).append("='").append(e.getValue()).append("'\n");
    }
    try (InputStream in = QemuGuest.class.getResourceAsStream("guest-lib.sh")) {
      if (in == null) {
        throw new IOException("guest-lib.sh missing from the test resources");
      }
      sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    return sb.append("\n# ---- scenario ----\n").toString();
  }

  /**
   * How long a guest may take from QEMU's start to its script's start before it is booted again.
   */
  static final Duration BOOT_DEADLINE =
      Duration.ofSeconds(Long.getLong("daxtier.bootDeadlineSeconds", 180));

  private static final int BOOT_ATTEMPTS = 2;

  /**
   * Waits until init.sh wrote {@code started} (true), QEMU ended on its own (true: the caller reads
   * what it handed back) or {@link #BOOT_DEADLINE} passed (false).
   */
  private static boolean awaitStart(Process qemu, Path started) throws InterruptedException {
    long deadline = System.nanoTime() + BOOT_DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(started) || qemu.waitFor(SLOT_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
    }
    return Files.exists(started) || !qemu.isAlive();
  }

  private static String lastLine(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return lines.isEmpty() ? "empty" : lines.get(lines.size() - 1).trim();
    } catch (IOException e) {
      return "unreadable";
    }
  }

  /** A held guest slot: the lock on one of the slot files, released on close. */
  private static final class Slot implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private Slot(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    static Slot acquire() throws IOException, InterruptedException {
      int slots = Math.max(1, Integer.getInteger("daxtier.qemuSlots", 1));
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      while (true) {
        for (int i = 0; i < slots; i++) {
          // slot 0 keeps the old lock file's name, so older benches still serialise with us
          Path file = tmp.resolve(i == 0 ? LOCK_PREFIX : LOCK_PREFIX + "." + i);
          FileChannel ch =
              FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock;
          try {
            lock = ch.tryLock();
          } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // held by another thread of this JVM
          }
          if (lock != null) {
            return new Slot(ch, lock);
          }
          ch.close();
        }
        Thread.sleep(SLOT_POLL.toMillis());
      }
    }

    @Override
    public void close() throws IOException {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }

  /** The directory holding these classes, so the guest can run helpers such as SysfsSnapshot. */
  static Path testClasses() {
    try {
      return Path.of(QemuGuest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The guest died or hung; the message names the run directory holding console.log. */
  public static final class GuestFailure extends IOException {
    private static final long serialVersionUID = 1L;

    GuestFailure(String message, Path dir) {
      super(message + " (console log: " + dir.resolve("console.log") + ")\n" + tail(dir));
    }

    private static String tail(Path dir) {
      try {
        List<String> lines = Files.readAllLines(dir.resolve("console.log"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
      } catch (IOException e) {
        return "(no console log)";
      }
    }
  }
}
