/**
 * The kubelet device plugin (deviceplugin/v1beta1 over Unix sockets): {@link
 * io.daxtier.agent.plugin.DevicePluginManager} is the entry point; decisions live in the pure
 * {@code allocation} package.
 */
package io.daxtier.agent.plugin;
