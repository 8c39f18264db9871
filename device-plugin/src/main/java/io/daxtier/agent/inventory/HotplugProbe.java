package io.daxtier.agent.inventory;

import io.daxtier.agent.kernel.Kernel;
import io.daxtier.agent.kernel.KernelPaths;
import io.daxtier.agent.model.AutoOnline;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads whether hot-added memory comes online by itself: {@code auto_online_blocks}, the build
 * default from {@code /boot/config-<release>} or {@code /proc/config.gz}, {@code
 * memhp_default_state=} on the command line, {@code memory_hotplug.online_policy}, and udev rule
 * files that online memory blocks. Every source is optional; a malformed one counts as absent.
 */
public final class HotplugProbe {

  /** Where distributions keep udev rules; RHEL's memory rule lives in 40-redhat.rules. */
  static final List<String> UDEV_RULE_DIRS =
      List.of("/etc/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d");

  private static final Pattern MEMHP = Pattern.compile("(?:^|\\s)memhp_default_state=(\\S+)");

  /** {@code CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y} (6.14+, Debian's 6.12) and the like. */
  private static final Pattern ONLINE_TYPE =
      Pattern.compile(
          "(?m)^CONFIG_MHP_DEFAULT_ONLINE_TYPE_(OFFLINE|ONLINE_AUTO|ONLINE_KERNEL|ONLINE_MOVABLE)=y$");

  private static final Pattern OLD_DEFAULT =
      Pattern.compile("(?m)^(?:# )?CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE(?:=y| is not set)$");

  /** A rules file section about memory blocks: RHEL 8+ skips others with SUBSYSTEM!="memory". */
  private static final Pattern UDEV_MEMORY = Pattern.compile("SUBSYSTEM\\s*[!=]=\\s*\"memory\"");

  /**
   * An assignment (not a match: {@code =}, not {@code ==}) of an online state to a block: RHEL 7's
   * {@code ATTR{state}="online"}, RHEL 8+'s {@code ATTR{state}="$env{.state}"} (online, or
   * online_movable on bare metal), SUSE's.
   */
  private static final Pattern UDEV_ONLINE =
      Pattern.compile(
          "ATTR\\{state\\}\\s*=(?!=)\\s*\"(?:online(?:_movable|_kernel)?|\\$env\\{[^}]*})\"");

  private final Kernel kernel;

  public HotplugProbe(Kernel kernel) {
    this.kernel = kernel;
  }

  /** The facts, with what the node record and the agent's settings add. */
  public AutoOnline probe(String release, boolean udevObserved, boolean managed) {
    return new AutoOnline(
        kernel.readTrimmed(KernelPaths.AUTO_ONLINE).orElse(null),
        buildDefault(release).orElse(null),
        cmdline().orElse(null),
        kernel.readTrimmed(KernelPaths.ONLINE_POLICY).filter(v -> !v.isEmpty()).orElse(null),
        udevRules(),
        udevObserved,
        managed);
  }

  Optional<String> cmdline() {
    Optional<String> line = kernel.read(KernelPaths.CMDLINE);
    if (line.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = MEMHP.matcher(line.get());
    String value = null;
    while (m.find()) {
      value = m.group(1); // the kernel's early_param takes the last one
    }
    return Optional.ofNullable(value).map(HotplugProbe::canonical);
  }

  /** The value a build default stands for, in auto_online_blocks' words. */
  Optional<String> buildDefault(String release) {
    Optional<String> config = config(release);
    if (config.isEmpty()) {
      return Optional.empty();
    }
    Matcher type = ONLINE_TYPE.matcher(config.get());
    if (type.find()) {
      return Optional.of(
          switch (type.group(1)) {
            case "ONLINE_AUTO" -> "online";
            case "ONLINE_KERNEL" -> "online_kernel";
            case "ONLINE_MOVABLE" -> "online_movable";
            default -> AutoOnline.OFFLINE;
          });
    }
    Matcher old = OLD_DEFAULT.matcher(config.get());
    if (old.find()) {
      return Optional.of(old.group().endsWith("=y") ? "online" : AutoOnline.OFFLINE);
    }
    return Optional.empty();
  }

  private Optional<String> config(String release) {
    if (release != null && !release.isBlank() && release.matches("[A-Za-z0-9._+~-]+")) {
      Optional<String> boot = kernel.read("/boot/config-" + release);
      if (boot.isPresent()) {
        return boot;
      }
    }
    return kernel.readBytes(KernelPaths.CONFIG_GZ).flatMap(HotplugProbe::gunzip);
  }

  private static Optional<String> gunzip(byte[] gz) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      // a kernel config is a few hundred KiB; anything far larger is not one
      byte[] text = in.readNBytes(8 << 20);
      return Optional.of(new String(text, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  List<String> udevRules() {
    List<String> found = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String dir : UDEV_RULE_DIRS) {
      for (String name : kernel.list(dir)) {
        // a rules file in /etc overrides the one of the same name in /usr/lib and /lib
        if (!name.endsWith(".rules") || names.contains(name)) {
          continue;
        }
        names.add(name);
        String path = dir + "/" + name;
        if (kernel.read(path).map(HotplugProbe::onlinesMemory).orElse(false)) {
          found.add(path);
        }
      }
    }
    return found;
  }

  static boolean onlinesMemory(String rules) {
    boolean memory = false;
    boolean online = false;
    for (String line : rules.split("\n")) {
      String t = line.strip();
      if (t.startsWith("#")) {
        continue;
      }
      memory |= UDEV_MEMORY.matcher(t).find();
      online |= UDEV_ONLINE.matcher(t).find();
    }
    return memory && online;
  }

  private static String canonical(String v) {
    return switch (v) {
      case "online", "online_kernel", "online_movable", AutoOnline.OFFLINE -> v;
      default -> v.length() > 32 ? v.substring(0, 32) : v;
    };
  }
}
