package io.daxtier.agent.model;

/** A physical address range, both ends inclusive. */
public record AddressRange(long start, long end) {
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
