package io.daxtier.operator.reconcile;

/** How an unexpected reconcile failure is put in words for a status condition or an Event. */
final class ErrorReport {
  /** Longest message written (status conditions and Events stay small). */
  static final int MAX_MESSAGE = 512;

  private ErrorReport() {}

  /** The innermost cause's type and message, e.g. {@code IllegalStateException: boom}. */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text =
        root.getClass().getSimpleName()
            + (root.getMessage() == null ? "" : ": " + root.getMessage());
    return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE - 1) + "…";
  }
}
