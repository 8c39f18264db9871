package io.daxtier.agent.model;

/** One line of a badblocks file: 512-byte sectors relative to the region start. */
public record BadBlock(long sector, int count) {

  /**
   * Whether the entry lies within the first {@code limit} bytes: non-negative, a positive count,
   * and {@code (sector + count) * 512 <= limit} without overflowing 64 bits (a sector near 2^55
   * times 512 would otherwise wrap to a small address).
   */
  public boolean inside(long limit) {
    if (sector < 0 || count <= 0) {
      return false;
    }
    try {
      long end = Math.multiplyExact(Math.addExact(sector, count), Sizes.SECTOR);
      return end <= limit;
    } catch (ArithmeticException e) {
      return false;
    }
  }
}
