package io.daxtier.agent.plugin;

/**
 * Told when a resource can no longer be served. Called on the plugin thread; it may call {@code
 * System.exit} (the manager's {@code close} does not wait for the plugin thread forever).
 */
@FunctionalInterface
public interface PluginFailureListener {
  void onFailure(PluginFailure failure);
}
