package io.daxtier.agent.plugin.allocation;

/** A span of bytes, {@code [offset, offset + length)}. */
public record ByteRange(long offset, long length) {
  public ByteRange {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("bad range offset=" + offset + " length=" + length);
    }
  }

  /** The last byte of the range. */
  public long last() {
    return offset + length - 1;
  }
}
