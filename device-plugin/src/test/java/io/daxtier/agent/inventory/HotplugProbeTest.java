package io.daxtier.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.kernel.HostKernel;
import io.daxtier.agent.model.AutoOnline;
import io.daxtier.api.v1alpha1.Zone;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who onlines hot-added memory, read from a host tree as a node lays it out. */
class HotplugProbeTest {
  private static final String REL = "6.12.118+deb12-amd64";

  /** RHEL 8/9's 40-redhat.rules memory section (systemd-detect-virt picks the state). */
  static final String RHEL_RULES =
      """
      # Memory hotadd request
      SUBSYSTEM!="memory", GOTO="memory_hotplug_end"
      ACTION!="add", GOTO="memory_hotplug_end"
      PROGRAM="/bin/uname -p", RESULT=="s390*", GOTO="memory_hotplug_end"

      ENV{.state}="online"
      PROGRAM="/bin/systemd-detect-virt", RESULT=="none", ENV{.state}="online_movable"
      ATTR{state}=="offline", ATTR{state}="$env{.state}"

      LABEL="memory_hotplug_end"
      """;

  @TempDir Path root;

  private AutoOnline probe() {
    return new HotplugProbe(new HostKernel(root)).probe(REL, false, false);
  }

  private void file(String path, String text) throws IOException {
    Path p = root.resolve(path.substring(1));
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void debian612BuildDefaultOnlinesIntoNormal() throws IOException {
    file("/sys/devices/system/memory/auto_online_blocks", "online\n");
    file("/sys/module/memory_hotplug/parameters/online_policy", "contig-zones\n");
    file(
        "/boot/config-" + REL,
        """
        CONFIG_MEMORY_HOTPLUG=y
        # CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE is not set
        CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y
        # CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL is not set
        """);
    file("/proc/cmdline", "console=ttyS0 quiet\n");

    AutoOnline a = probe();

    assertThat(a.kernelOnlines()).isTrue();
    assertThat(a.buildDefault()).isEqualTo("online");
    assertThat(a.cmdline()).isNull();
    assertThat(a.kernelZone()).isEqualTo(Zone.Normal);
    assertThat(a.source()).isEqualTo("kernel build default (online)");
    assertThat(a.remedies()).contains("memhp_default_state=offline").contains("Manage");
  }

  @Test
  void theCommandLineWinsAndItsLastValueCounts() throws IOException {
    file("/sys/devices/system/memory/auto_online_blocks", "offline\n");
    file("/boot/config-" + REL, "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y\n");
    file("/proc/cmdline", "memhp_default_state=online memhp_default_state=offline ro\n");

    AutoOnline a = probe();

    assertThat(a.kernelOnlines()).isFalse();
    assertThat(a.cmdline()).isEqualTo("offline");
    assertThat(a.source()).contains("kernel command line (memhp_default_state=offline)");
  }

  @Test
  void aRunTimeWriteIsToldApartFromTheBootValue() throws IOException {
    file("/sys/devices/system/memory/auto_online_blocks", "online_movable\n");
    file("/boot/config-" + REL, "# CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE is not set\n");

    AutoOnline a = probe();

    assertThat(a.buildDefault()).isEqualTo("offline");
    assertThat(a.kernelZone()).isEqualTo(Zone.Movable);
    assertThat(a.source()).contains("set at run time");
  }

  @Test
  void procConfigGzIsReadWhenBootHasNoConfig() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write("CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE=y\n".getBytes(StandardCharsets.UTF_8));
    }
    Path p = root.resolve("proc/config.gz");
    Files.createDirectories(p.getParent());
    Files.write(p, bytes.toByteArray());
    file("/sys/devices/system/memory/auto_online_blocks", "online\n");

    assertThat(probe().buildDefault()).isEqualTo("online");
  }

  @Test
  void malformedSourcesCountAsAbsent() throws IOException {
    file("/boot/config-" + REL, "\u0000\u0001 not a config");
    Path gz = root.resolve("proc/config.gz");
    Files.createDirectories(gz.getParent());
    Files.write(gz, new byte[] {1, 2, 3});
    file("/proc/cmdline", "memhp_default_state=\n");

    AutoOnline a = probe();

    assertThat(a.policy()).isNull();
    assertThat(a.buildDefault()).isNull();
    assertThat(a.kernelOnlines()).isFalse();
  }

  @Test
  void udevRulesThatOnlineMemoryAreFoundAndAnEtcOverrideWins() throws IOException {
    file("/sys/devices/system/memory/auto_online_blocks", "offline\n");
    file("/usr/lib/udev/rules.d/40-redhat.rules", RHEL_RULES);
    file(
        "/usr/lib/udev/rules.d/80-rhel7.rules",
        "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}==\"offline\", ATTR{state}=\"online\"\n");
    file("/usr/lib/udev/rules.d/60-other.rules", "SUBSYSTEM==\"block\", ATTR{state}=\"online\"\n");
    file(
        "/usr/lib/udev/rules.d/70-commented.rules",
        "# SUBSYSTEM==\"memory\", ATTR{state}=\"online\"\n");
    file(
        "/usr/lib/udev/rules.d/90-match-only.rules",
        "SUBSYSTEM==\"memory\", ATTR{state}==\"online\"\n");

    AutoOnline a = probe();
    assertThat(a.udevRules())
        .containsExactly(
            "/usr/lib/udev/rules.d/40-redhat.rules", "/usr/lib/udev/rules.d/80-rhel7.rules");
    assertThat(a.udevOnlines()).isTrue();
    assertThat(a.remedies()).contains("disable the udev rule").contains("40-redhat.rules");

    file("/etc/udev/rules.d/40-redhat.rules", "# memory onlining disabled by the admin\n");
    assertThat(probe().udevRules()).containsExactly("/usr/lib/udev/rules.d/80-rhel7.rules");
  }
}
