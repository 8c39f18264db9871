package io.daxtier.agent.kernel;

import java.util.List;
import java.util.Optional;

/**
 * A kernel that passes every call on; decorators (fault injection, write deadlines) and tests
 * override what they change.
 */
public class ForwardingKernel implements Kernel {
  protected final Kernel inner;

  public ForwardingKernel(Kernel inner) {
    this.inner = inner;
  }

  @Override
  public Optional<String> read(String path) {
    return inner.read(path);
  }

  @Override
  public Optional<byte[]> readBytes(String path) {
    return inner.readBytes(path);
  }

  @Override
  public void write(String path, String value) {
    inner.write(path, value);
  }

  @Override
  public List<String> list(String dir) {
    return inner.list(dir);
  }

  @Override
  public Optional<String> readlink(String path) {
    return inner.readlink(path);
  }

  @Override
  public boolean exists(String path) {
    return inner.exists(path);
  }

  @Override
  public Optional<byte[]> readAt(String path, long offset, int length) {
    return inner.readAt(path, offset, length);
  }

  @Override
  public boolean loadModule(String name) {
    return inner.loadModule(name);
  }
}
