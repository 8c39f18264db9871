package io.daxtier.agent.dra;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the kubelet DRA plugin lives and whom it serves.
 *
 * @param kubeletDir the kubelet's root directory (default {@code /var/lib/kubelet}); the
 *     registration socket goes in {@code plugins_registry/}, the DRA socket in {@code
 *     plugins/memory.daxtier.io/}
 * @param stateDir the agent's state directory (the prepare checkpoint)
 * @param cdiDir where the claims' CDI specs are written (default {@code /var/run/cdi})
 * @param nodeName this node's name: the ResourceSlice pool of every device
 */
public record DraPluginConfig(Path kubeletDir, Path stateDir, Path cdiDir, String nodeName) {
  public static final Path DEFAULT_KUBELET_DIR = Path.of("/var/lib/kubelet");
  public static final Path DEFAULT_CDI_DIR = Path.of(CdiSpecFiles.DEFAULT_DIR);

  public DraPluginConfig {
    Objects.requireNonNull(kubeletDir, "kubeletDir");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(cdiDir, "cdiDir");
    Objects.requireNonNull(nodeName, "nodeName");
  }

  /** The default kubelet and CDI directories. */
  public static DraPluginConfig defaults(Path stateDir, String nodeName) {
    return new DraPluginConfig(DEFAULT_KUBELET_DIR, stateDir, DEFAULT_CDI_DIR, nodeName);
  }

  /** The socket the kubelet's plugin watcher finds. */
  public Path registrationSocket() {
    return kubeletDir.resolve("plugins_registry").resolve(DraNames.DRIVER + "-reg.sock");
  }

  /** The socket serving DRAPlugin (v1, v1beta1) and DRAResourceHealth. */
  public Path draSocket() {
    return kubeletDir.resolve("plugins").resolve(DraNames.DRIVER).resolve("dra.sock");
  }
}
