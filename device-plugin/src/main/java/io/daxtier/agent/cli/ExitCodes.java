package io.daxtier.agent.cli;

/** The agent's exit codes; each failure a caller must tell apart has its own. */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int ERROR = 1;
  public static final int USAGE = 2;
  public static final int BLOCKED = 3;
  public static final int FAILED = 4;
  public static final int IN_PROGRESS = 5;
  public static final int NOT_ROOT = 10;
  public static final int NO_SYSFS = 11;
  public static final int KMEM_MISSING = 12;
  public static final int CLASS_MODEL = 13;
  public static final int BAD_POOL_FILE = 14;
  public static final int PLUGIN_FAILED = 15;

  /** The text {@code --help} shows. */
  public static final String HELP =
      "%nExit codes:%n"
          + "  0   done (apply: every selected device converged)%n"
          + "  1   unexpected error%n"
          + "  2   bad command line%n"
          + "  3   apply: a policy rule or a conflict blocks a device%n"
          + "  4   apply: a kernel step failed (e.g. EHWPOISON, range leaked)%n"
          + "  5   apply: in progress (ARS running, offline refused with EBUSY: retry later)%n"
          + "  10  not root (writes to sysfs need CAP_SYS_ADMIN; use --dry-run or --simulate)%n"
          + "  11  no sysfs under --root (expected sys/devices/system)%n"
          + "  12  the kmem driver is missing and modprobe kmem failed (CONFIG_DEV_DAX_KMEM)%n"
          + "  13  device-dax uses the legacy /sys/class/dax model (unsupported, kernel < 5.16 with"
          + " dax_pmem_compat)%n"
          + "  14  the pool file cannot be read or is invalid%n"
          + "  15  run: the kubelet device plugin failed (socket lost, registration refused)%n";

  private ExitCodes() {}
}
