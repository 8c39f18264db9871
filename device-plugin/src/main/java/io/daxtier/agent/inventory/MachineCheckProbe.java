package io.daxtier.agent.inventory;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.Malformed;
import io.daxtier.agent.model.McRecovery;
import io.daxtier.agent.model.Parsed;
import io.daxtier.agent.model.SysfsFormats;
import io.daxtier.api.v1alpha1.Capability;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Decides whether consuming poison is survivable on this node's CPUs. No upstream interface reports
 * it (kernel-abi.md §2.7), so it combines what can be read, each rule citing its source.
 */
final class MachineCheckProbe {
  static final long MSR_IA32_MCG_CAP = 0x179;
  static final long MCG_SER_P = 1L << 24;

  /**
   * Intel server models before Skylake-SP whose poison consumption in a {@code rep; movs} copy is
   * only survivable with copy_mc_fragile, which the kernel enables through PCI quirks it does not
   * export (arch/x86/kernel/quirks.c quirk_intel_brickland_xeon_ras_cap): SNB-X, IVB-X, HSW-X,
   * BDW-X, BDW-DE.
   */
  static final Set<Integer> FRAGILE_ONLY_MODELS = Set.of(0x2d, 0x3e, 0x3f, 0x4f, 0x56);

  static final int SKYLAKE_X = 0x55;

  private final Kernel kernel;

  MachineCheckProbe(Kernel kernel) {
    this.kernel = kernel;
  }

  /**
   * The hardware's answer first; {@code mce=recovery} only settles an {@link Capability#Unknown}
   * one. The option makes the kernel use copy_mc_fragile, which cannot give a CPU without software
   * error recovery (MCG_SER_P clear, or AMD without SUCCOR) a way to survive poison.
   */
  McRecovery probe() {
    return probe(m -> {});
  }

  /**
   * As {@link #probe()}; a malformed number in the first processor's cpuinfo goes to {@code
   * malformed} and makes the hardware's answer {@link Capability#Unknown} (a model that is not a
   * number must not pass for one that is not on a list).
   */
  McRecovery probe(Consumer<Malformed> malformed) {
    List<String> ev = new ArrayList<>();
    String cmdline = kernel.readTrimmed(KernelPaths.CMDLINE).orElse("");
    String cpuinfo = kernel.read(KernelPaths.CPUINFO).orElse("");
    CpuInfo cpu = CpuInfo.parse(cpuinfo);
    if (cpu.flags().contains("hypervisor")) {
      ev.add(
          "cpuinfo flag hypervisor: machine-check capabilities are the hypervisor's virtual ones");
    }
    List<Malformed> problems = CpuInfo.problems(cpuinfo);
    problems.forEach(malformed);
    Capability hardware;
    if (problems.isEmpty()) {
      hardware = hardware(cpu, ev);
    } else {
      problems.forEach(m -> ev.add(m.message()));
      hardware = Capability.Unknown;
    }
    if (!Arrays.asList(cmdline.split("\\s+")).contains("mce=recovery")) {
      return new McRecovery(hardware, ev);
    }
    if (hardware == Capability.Unknown) {
      ev.add(
          "mce=recovery on the kernel command line sets copy_mc_fragile"
              + " (arch/x86/kernel/cpu/mce/core.c mcheck_late_init -> enable_copy_mc_fragile)");
      return new McRecovery(Capability.Supported, ev);
    }
    ev.add(
        "mce=recovery on the kernel command line does not change the hardware's answer "
            + hardware
            + " (it selects copy_mc_fragile; recovery still needs the CPU's support)");
    return new McRecovery(hardware, ev);
  }

  private Capability hardware(CpuInfo cpu, List<String> ev) {
    if (cpu.vendor().equals("AuthenticAMD") || cpu.vendor().equals("HygonGenuine")) {
      if (cpu.flags().contains("succor")) {
        ev.add(
            "cpuinfo flag succor: AMD software uncorrectable error containment and recovery"
                + " (arch/x86/include/asm/cpufeatures.h X86_FEATURE_SUCCOR,"
                + " arch/x86/kernel/cpu/mce/severity.c mce_severity_amd)");
        return Capability.Supported;
      }
      ev.add(
          "AMD CPU without the succor flag: uncorrected errors in kernel context are graded PANIC"
              + " (arch/x86/kernel/cpu/mce/severity.c mce_severity_amd)");
      return Capability.Unsupported;
    }
    if (!cpu.vendor().equals("GenuineIntel")) {
      ev.add("CPU vendor '" + cpu.vendor() + "': no known rule");
      return Capability.Unknown;
    }
    Optional<Long> mcgCap = readMcgCap();
    if (mcgCap.isEmpty()) {
      ev.add(
          "IA32_MCG_CAP (MSR 0x179) unreadable: /dev/cpu/0/msr needs the msr module and"
              + " CAP_SYS_RAWIO");
      return Capability.Unknown;
    }
    boolean serP = (mcgCap.get() & MCG_SER_P) != 0;
    ev.add(
        String.format(
            "IA32_MCG_CAP=0x%x: MCG_SER_P (bit 24) %s (arch/x86/include/asm/msr-index.h)",
            mcgCap.get(), serP ? "set" : "clear"));
    if (!serP) {
      ev.add(
          "without software error recovery every uncorrected error is fatal"
              + " (arch/x86/kernel/cpu/mce/severity.c mce_severity_intel)");
      return Capability.Unsupported;
    }
    if (cpu.family() == 6 && FRAGILE_ONLY_MODELS.contains(cpu.model())) {
      ev.add(
          String.format(
              "family 6 model 0x%x: rep;movs poison consumption is recoverable only with"
                  + " copy_mc_fragile, enabled by PCI quirks on RAS SKUs that user space cannot"
                  + " read (arch/x86/kernel/quirks.c, arch/x86/lib/copy_mc.c)",
              cpu.model()));
      return Capability.Unknown;
    }
    if (cpu.family() == 6 && cpu.model() == SKYLAKE_X) {
      ev.add(
          "Skylake/Cascade/Cooper Lake-SP: the kernel survives a #MC in a fast-string copy by"
              + " disabling fast strings (arch/x86/kernel/cpu/mce/core.c skx_repmov_quirk)");
    } else {
      ev.add(
          "copy_mc uses rep;movsb (ERMS) outside copy_mc_fragile models"
              + " (arch/x86/lib/copy_mc.c copy_mc_enhanced_fast_string)");
    }
    return Capability.Supported;
  }

  private Optional<Long> readMcgCap() {
    return kernel
        .readAt("/dev/cpu/0/msr", MSR_IA32_MCG_CAP, 8)
        .map(b -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong());
  }

  /** The first CPU's identity and flags from /proc/cpuinfo. */
  record CpuInfo(String vendor, int family, int model, Set<String> flags) {
    static CpuInfo parse(String text) {
      String vendor = "unknown";
      int family = -1;
      int model = -1;
      Set<String> flags = Set.of();
      for (String line : text.split("\n")) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          if (line.isBlank() && family >= 0) {
            break; // first processor only
          }
          continue;
        }
        String key = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        try {
          switch (key) {
            case "vendor_id" -> vendor = value;
            case "cpu family" -> family = Integer.parseInt(value);
            case "model" -> model = Integer.parseInt(value);
            case "flags" -> flags = Set.copyOf(Arrays.asList(value.split("\\s+")));
            default -> {}
          }
        } catch (NumberFormatException e) {
          // leave the default
        }
      }
      return new CpuInfo(vendor, family, model, flags);
    }

    /** The first processor's numeric fields that are not numbers. */
    static List<Malformed> problems(String text) {
      List<Malformed> out = new ArrayList<>();
      boolean seen = false;
      for (String line : text.split("\n")) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          if (line.isBlank() && seen) {
            break;
          }
          continue;
        }
        String key = line.substring(0, colon).trim();
        if (key.equals("cpu family") || key.equals("model")) {
          seen = true;
          Parsed<Integer> v =
              SysfsFormats.integer(
                  KernelPaths.CPUINFO, line.substring(colon + 1), 0, Integer.MAX_VALUE);
          if (!v.isOk()) {
            out.add(new Malformed(KernelPaths.CPUINFO, line.trim(), "'" + key + "' not a number"));
          }
        }
      }
      return out;
    }
  }
}
