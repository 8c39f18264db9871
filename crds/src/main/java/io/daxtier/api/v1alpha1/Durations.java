package io.daxtier.api.v1alpha1;

/** The duration syntax the API accepts (Go/Kubernetes style, e.g. {@code 90s}, {@code 1h30m}). */
public final class Durations {
  /** Schema pattern for a duration field. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";

  private Durations() {}
}
