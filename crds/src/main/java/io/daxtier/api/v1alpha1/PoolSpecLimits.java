package io.daxtier.api.v1alpha1;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * The bounds of a PmemPool spec, in one place: the CRD carries them as OpenAPI limits and CEL rules
 * (built from the constants here), and this pure function checks the same things for callers the
 * API server never saw — a standalone agent's pool file, a pool that came from an API server
 * without the rules — before any kernel write. Each error names the field ({@code resource.unit:
 * ...}).
 */
public final class PoolSpecLimits {

  /** Longest pool name: a Kubernetes object name (DNS subdomain). */
  public static final int MAX_NAME_LENGTH = 253;

  /** Longest extended resource name: a 253-char DNS prefix, a slash and a 63-char name. */
  public static final int MAX_RESOURCE_NAME_LENGTH = 317;

  /** Longest duration string ({@code maxAge}, {@code drainTimeout}). */
  public static final int MAX_DURATION_LENGTH = 32;

  /** Longest duration: 30 days. A longer scrub age or drain timeout is a typo, not a policy. */
  public static final String MAX_DURATION = "720h";

  /** Largest {@code resource.unit}: one advertised unit is at most 1Ti. */
  public static final String MAX_UNIT = "1Ti";

  /** Smallest {@code resource.unit}. */
  public static final String MIN_UNIT = "128Mi";

  /**
   * Largest {@code devices.minSize} and {@code devices.provision.size}: 64Ti, above any single
   * device-dax device a platform of today builds.
   */
  public static final String MAX_DEVICE_SIZE = "64Ti";

  /** Bytes of {@link #MAX_DEVICE_SIZE}; the CRD's CEL rule is built from it. */
  public static final long MAX_DEVICE_BYTES = 64L << 40;

  /** A size field: up to 15 digits and a binary suffix (fits a CEL int without overflow). */
  public static final String SIZE_PATTERN = "^[0-9]{1,15}(Ki|Mi|Gi|Ti|Pi)?$";

  /** Longest size string: 15 digits and a suffix. */
  public static final int MAX_SIZE_LENGTH = 17;

  /** The unit pattern: a positive number and Mi, Gi or Ti. */
  public static final String UNIT_PATTERN = "^[1-9][0-9]{0,6}(Mi|Gi|Ti)$";

  /** Longest unit string. */
  public static final int MAX_UNIT_LENGTH = 9;

  /**
   * Most bad-block ranges {@code maxBadBlocks} may tolerate: the kernel's per-device bad-block
   * table holds 512 ranges (one 4 KiB page of entries), so more can never be reported.
   */
  public static final int MAX_BAD_BLOCKS = 512;

  /** Most entries in {@code devices.daxDevices} and {@code devices.regions}. */
  public static final int MAX_DEVICE_LIST = 256;

  /** Longest device or region name. */
  public static final int MAX_DEVICE_NAME_LENGTH = 32;

  /** Most {@code nodeSelector.matchLabels} entries. */
  public static final int MAX_MATCH_LABELS = 64;

  /** Most {@code nodeSelector.matchExpressions}. */
  public static final int MAX_MATCH_EXPRESSIONS = 32;

  /**
   * CEL: a size field (matching {@link #SIZE_PATTERN}) is at most {@link #MAX_DEVICE_SIZE}. The
   * number is compared in the field's own suffix, so nothing is multiplied and nothing overflows.
   */
  public static final String CEL_SIZE_AT_MOST_MAX =
      "self.endsWith('i') ? int(self.substring(0, self.size() - 2)) <= {'K': "
          + (MAX_DEVICE_BYTES >> 10)
          + ", 'M': "
          + (MAX_DEVICE_BYTES >> 20)
          + ", 'G': "
          + (MAX_DEVICE_BYTES >> 30)
          + ", 'T': "
          + (MAX_DEVICE_BYTES >> 40)
          + ", 'P': 0}[self.substring(self.size() - 2, self.size() - 1)] : int(self) <= "
          + MAX_DEVICE_BYTES;

  /** CEL: a unit (matching {@link #UNIT_PATTERN}) is at most {@link #MAX_UNIT}. */
  public static final String CEL_UNIT_AT_MOST_MAX =
      "int(self.substring(0, self.size() - 2))"
          + " <= {'Mi': 1048576, 'Gi': 1024, 'Ti': 1}[self.substring(self.size() - 2)]";

  /** CEL: a duration is at most {@link #MAX_DURATION}. */
  public static final String CEL_DURATION_AT_MOST_MAX =
      "duration(self) <= duration('" + MAX_DURATION + "')";

  /** CEL on nodeSelector: bounded label and expression counts. */
  public static final String CEL_SELECTOR_BOUNDED =
      "(!has(self.matchLabels) || self.matchLabels.size() <= "
          + MAX_MATCH_LABELS
          + ") && (!has(self.matchExpressions) || self.matchExpressions.size() <= "
          + MAX_MATCH_EXPRESSIONS
          + ")";

  private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile(SIZE_PATTERN);
  private static final java.util.regex.Pattern UNIT = java.util.regex.Pattern.compile(UNIT_PATTERN);
  private static final java.util.regex.Pattern RESOURCE_NAME =
      java.util.regex.Pattern.compile(ResourceSpec.NAME_PATTERN);
  private static final java.util.regex.Pattern RESERVED_DOMAIN =
      java.util.regex.Pattern.compile("^([^/]*\\.)?(kubernetes\\.io|k8s\\.io)/.*");
  private static final java.util.regex.Pattern DURATION =
      java.util.regex.Pattern.compile(Durations.PATTERN);
  private static final java.util.regex.Pattern DURATION_PART =
      java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");
  private static final java.util.regex.Pattern DAX_DEVICE =
      java.util.regex.Pattern.compile("^dax[0-9]+\\.[0-9]+$");
  private static final java.util.regex.Pattern REGION =
      java.util.regex.Pattern.compile("^region[0-9]+$");
  private static final java.util.regex.Pattern DNS_SUBDOMAIN =
      java.util.regex.Pattern.compile(
          "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Map<String, Integer> SHIFT =
      Map.of("", 0, "Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50);

  private PoolSpecLimits() {}

  /**
   * Every bound the spec breaks, each naming its field; empty when the spec is within limits. A
   * null spec or part takes the API defaults, which are within limits.
   */
  public static List<String> check(PmemPoolSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      return errors;
    }
    if (spec.nodeSelector != null) {
      var labels = spec.nodeSelector.getMatchLabels();
      if (labels != null && labels.size() > MAX_MATCH_LABELS) {
        errors.add(
            "nodeSelector.matchLabels: at most "
                + MAX_MATCH_LABELS
                + " labels, not "
                + labels.size());
      }
      var exprs = spec.nodeSelector.getMatchExpressions();
      if (exprs != null && exprs.size() > MAX_MATCH_EXPRESSIONS) {
        errors.add(
            "nodeSelector.matchExpressions: at most "
                + MAX_MATCH_EXPRESSIONS
                + " expressions, not "
                + exprs.size());
      }
    }
    if (spec.devices != null) {
      names(errors, "devices.daxDevices", spec.devices.daxDevices, DAX_DEVICE);
      names(errors, "devices.regions", spec.devices.regions, REGION);
      size(errors, "devices.minSize", spec.devices.minSize);
      if (spec.devices.provision != null) {
        size(errors, "devices.provision.size", spec.devices.provision.size);
      }
    }
    if (spec.resource != null) {
      String name = spec.resource.name;
      if (name != null) {
        if (name.length() > MAX_RESOURCE_NAME_LENGTH) {
          errors.add(
              "resource.name: at most "
                  + MAX_RESOURCE_NAME_LENGTH
                  + " characters, not "
                  + name.length());
        } else if (!RESOURCE_NAME.matcher(name).matches()) {
          errors.add(
              "resource.name: not an extended resource name such as example.com/pmem: " + name);
        } else if (RESERVED_DOMAIN.matcher(name).matches()) {
          errors.add("resource.name: must not be in the kubernetes.io or k8s.io domain: " + name);
        }
      }
      unit(errors, spec.resource.unit);
    }
    if (spec.policy != null && spec.policy.scrub != null) {
      duration(errors, "policy.scrub.maxAge", spec.policy.scrub.maxAge);
      Integer bad = spec.policy.scrub.maxBadBlocks;
      if (bad != null && (bad < 0 || bad > MAX_BAD_BLOCKS)) {
        errors.add(
            "policy.scrub.maxBadBlocks: must be between 0 and " + MAX_BAD_BLOCKS + ", not " + bad);
      }
    }
    if (spec.release != null) {
      duration(errors, "release.drainTimeout", spec.release.drainTimeout);
      if (spec.release.maxUnavailable != null && spec.release.maxUnavailable < 1) {
        errors.add(
            "release.maxUnavailable: must be at least 1, not " + spec.release.maxUnavailable);
      }
    }
    return errors;
  }

  /** Problems with a pool's name (a pool file's metadata.name), each naming the field. */
  public static List<String> checkName(String name) {
    if (name == null || name.isEmpty()) {
      return List.of("metadata.name: missing");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return List.of(
          "metadata.name: at most " + MAX_NAME_LENGTH + " characters, not " + name.length());
    }
    if (!DNS_SUBDOMAIN.matcher(name).matches()) {
      return List.of("metadata.name: not a lower-case DNS subdomain: " + name);
    }
    return List.of();
  }

  private static void names(
      List<String> errors, String field, List<String> names, java.util.regex.Pattern pattern) {
    if (names == null) {
      return;
    }
    if (names.size() > MAX_DEVICE_LIST) {
      errors.add(field + ": at most " + MAX_DEVICE_LIST + " entries, not " + names.size());
      return;
    }
    for (String n : names) {
      if (n == null || n.length() > MAX_DEVICE_NAME_LENGTH || !pattern.matcher(n).matches()) {
        errors.add(field + ": not a valid name: " + abbreviate(n));
      }
    }
  }

  private static void size(List<String> errors, String field, String value) {
    if (value == null) {
      return;
    }
    Matcher m = SIZE.matcher(value);
    if (value.length() > MAX_SIZE_LENGTH || !m.matches()) {
      errors.add(
          field
              + ": not a size of at most "
              + MAX_DEVICE_SIZE
              + " such as 16Gi (up to 15 digits and Ki, Mi, Gi, Ti or Pi): "
              + abbreviate(value));
    } else if (bytes(m).compareTo(BigInteger.valueOf(MAX_DEVICE_BYTES)) > 0) {
      errors.add(field + ": must be at most " + MAX_DEVICE_SIZE + ", not " + value);
    }
  }

  private static void unit(List<String> errors, String value) {
    if (value == null) {
      return;
    }
    Matcher m = UNIT.matcher(value);
    if (value.length() > MAX_UNIT_LENGTH || !m.matches()) {
      errors.add(
          "resource.unit: not a unit between "
              + MIN_UNIT
              + " and "
              + MAX_UNIT
              + " such as 1Gi (a number and Mi, Gi or Ti): "
              + abbreviate(value));
      return;
    }
    BigInteger b = bytes(m);
    if (b.compareTo(BigInteger.valueOf(128L << 20)) < 0) {
      errors.add("resource.unit: must be at least " + MIN_UNIT + ", not " + value);
    } else if (b.compareTo(BigInteger.ONE.shiftLeft(40)) > 0) {
      errors.add("resource.unit: must be at most " + MAX_UNIT + ", not " + value);
    }
  }

  private static void duration(List<String> errors, String field, String value) {
    if (value == null) {
      return;
    }
    if (value.length() > MAX_DURATION_LENGTH || !DURATION.matcher(value).matches()) {
      errors.add(
          field
              + ": not a duration of at most "
              + MAX_DURATION
              + " such as 24h, 90m or 1h30m: "
              + abbreviate(value));
      return;
    }
    // Exact arithmetic: a 30-digit hour count must be "too long", not an overflow.
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher m = DURATION_PART.matcher(value);
    while (m.find()) {
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
    }
    if (nanos.compareTo(BigDecimal.valueOf(720L * 3_600_000_000_000L)) > 0) {
      errors.add(field + ": must be at most " + MAX_DURATION + " (30 days), not " + value);
    }
  }

  /** Bytes of a value that matched a size or unit pattern (its only group is the suffix). */
  private static BigInteger bytes(Matcher m) {
    String suffix = m.group(1) == null ? "" : m.group(1);
    String digits = m.group().substring(0, m.group().length() - suffix.length());
    return new BigInteger(digits).shiftLeft(SHIFT.get(suffix));
  }

  /** A value for a message: long garbage is cut, so the message stays readable. */
  private static String abbreviate(String value) {
    if (value == null) {
      return "null";
    }
    return value.length() <= 40
        ? value
        : value.substring(0, 40) + "... (" + value.length() + " chars)";
  }
}
