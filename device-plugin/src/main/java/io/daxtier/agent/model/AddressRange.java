package io.daxtier.agent.model;

/** A physical address range, both ends inclusive. */
public record AddressRange(long start, long end) {
  /**
   * Where {@link Region#physical} maps a bad-block entry that is not inside its region: above every
   * address the parsers accept ({@link SysfsFormats#ADDRESS_LIMIT}), so it overlaps no device.
   */
  public static final AddressRange OUTSIDE = new AddressRange(Long.MAX_VALUE, Long.MAX_VALUE);

  public AddressRange {
    if (end < start) {
      throw new IllegalArgumentException("empty range " + Sizes.hex(start) + "-" + Sizes.hex(end));
    }
  }

  public long size() {
    return end - start + 1;
  }

  public boolean overlaps(AddressRange o) {
    return start <= o.end && o.start <= end;
  }

  /** The common part of two overlapping ranges. */
  public AddressRange intersect(AddressRange o) {
    return new AddressRange(Math.max(start, o.start), Math.min(end, o.end));
  }

  @Override
  public String toString() {
    return Sizes.hex(start) + "-" + Sizes.hex(end);
  }
}
