package io.daxtier.agent.model;

import io.daxtier.api.v1alpha1.Zone;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the kernel (or a udev rule) onlines hot-added memory itself, where that comes from, and
 * what the agent does about it. The kernel onlines kmem's blocks as they are added when {@code
 * auto_online_blocks} is not {@code offline}: its boot value is {@code memhp_default_state=} from
 * the command line, else the build default ({@code CONFIG_MHP_DEFAULT_ONLINE_TYPE_*} from 6.14,
 * {@code CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE} before, and Debian's 6.12 carries the former); a
 * udev rule that writes {@code online} to each new block (RHEL's) has the same effect whatever
 * {@code auto_online_blocks} says.
 *
 * @param policy {@code auto_online_blocks}: offline, online, online_kernel or online_movable (null
 *     when unreadable)
 * @param buildDefault the build default read from the kernel config, in the same words (null when
 *     no config is readable)
 * @param cmdline the {@code memhp_default_state=} value on the kernel command line, or null
 * @param onlinePolicy {@code memory_hotplug.online_policy} (contig-zones, auto-movable), or null
 * @param udevRules rule files holding a line that onlines memory blocks
 * @param udevObserved a conversion saw blocks come online by themselves although {@code
 *     auto_online_blocks} was offline (recorded in the node record)
 * @param managed the agent was told to manage the policy for its conversions ({@code
 *     --hotplug-policy Manage})
 */
public record AutoOnline(
    String policy,
    String buildDefault,
    String cmdline,
    String onlinePolicy,
    List<String> udevRules,
    boolean udevObserved,
    boolean managed) {

  public static final String OFFLINE = "offline";

  public AutoOnline {
    udevRules = udevRules == null ? List.of() : List.copyOf(udevRules);
  }

  /** A node whose kernel leaves hot-added memory offline and has no udev rule. */
  public static AutoOnline offline() {
    return new AutoOnline(OFFLINE, null, null, null, List.of(), false, false);
  }

  /** Whether the kernel onlines kmem's blocks as they are added. */
  public boolean kernelOnlines() {
    return policy != null && !policy.isBlank() && !policy.equals(OFFLINE);
  }

  /** Whether a udev rule onlines them (a rule file found, or seen doing it). */
  public boolean udevOnlines() {
    return !udevRules.isEmpty() || udevObserved;
  }

  /**
   * The zone the kernel's own onlining puts the blocks of a fresh CPU-less node into: Movable for
   * {@code online_movable}, Normal for {@code online_kernel} and for {@code online} under the
   * default contig-zones policy; null (the kernel decides per block, by {@code auto_movable_ratio})
   * for {@code online} under auto-movable.
   */
  public Zone kernelZone() {
    if ("online_movable".equals(policy)) {
      return Zone.Movable;
    }
    if ("online".equals(policy) && "auto-movable".equals(onlinePolicy)) {
      return null;
    }
    return Zone.Normal;
  }

  /** Where the current behaviour comes from, most specific first. */
  public String source() {
    List<String> sources = new ArrayList<>();
    if (kernelOnlines() || OFFLINE.equals(policy)) {
      if (policy.equals(cmdline)) {
        sources.add("kernel command line (memhp_default_state=" + cmdline + ")");
      } else if (policy.equals(buildDefault) && cmdline == null) {
        sources.add("kernel build default (" + buildDefault + ")");
      } else if (buildDefault != null || cmdline != null) {
        sources.add("set at run time (auto_online_blocks)");
      } else {
        sources.add("auto_online_blocks; no kernel config readable to tell the build default");
      }
    }
    if (!udevRules.isEmpty()) {
      sources.add("udev rule " + String.join(", ", udevRules));
    } else if (udevObserved) {
      sources.add("blocks came online by themselves after a bind (a udev rule)");
    }
    return String.join("; ", sources);
  }

  /** What it does to kmem's blocks, in words. */
  public String effect() {
    String kernel;
    if (!kernelOnlines()) {
      kernel = "hot-added memory stays offline until the agent onlines it";
    } else {
      Zone z = kernelZone();
      kernel =
          "the kernel onlines hot-added memory itself"
              + (z == null ? " (zone by auto_movable_ratio)" : " into " + z);
    }
    if (udevOnlines()) {
      kernel += "; a udev rule onlines new blocks as they appear, into the zone the rule picks";
    }
    return kernel;
  }

  /** What fixes the conflict, for a blocked pool's message. */
  public String remedies() {
    List<String> fixes = new ArrayList<>();
    if (kernelOnlines()) {
      fixes.add("boot with memhp_default_state=offline");
    }
    if (udevOnlines()) {
      fixes.add(
          "disable the udev rule that onlines memory"
              + (udevRules.isEmpty() ? "" : " (" + String.join(", ", udevRules) + ")"));
    }
    if (!managed && kernelOnlines()) {
      fixes.add(
          "or let the agent switch auto_online_blocks to offline for each conversion"
              + " (agent flag --hotplug-policy Manage, chart value agent.hotplugPolicy: Manage)");
    }
    return String.join(", ", fixes);
  }
}
