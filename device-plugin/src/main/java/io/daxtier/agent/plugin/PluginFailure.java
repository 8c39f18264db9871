package io.daxtier.agent.plugin;

/**
 * A resource the plugin can no longer serve. The agent turns it into a non-zero exit, so the
 * DaemonSet restarts it, rather than silently advertising nothing.
 *
 * @param resourceName the resource affected
 * @param reason machine-readable reason
 * @param message details for humans
 * @param cause the underlying error, or null
 */
public record PluginFailure(String resourceName, Reason reason, String message, Throwable cause) {

  /** Why serving failed. */
  public enum Reason {
    /** The plugin socket could not be (re)created or served. */
    ServeFailed,
    /** The gRPC server stopped without being asked to. */
    ServerTerminated,
    /** The kubelet refused or never answered the registration, after every retry. */
    RegistrationFailed
  }
}
