package io.daxtier.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PmemNode CRD validates the pool copies the operator writes with the same rules. */
class PmemNodeValidationTest {
  private static final CrdValidator NODES = CrdValidator.forCrd("pmemnodes.daxtier.io");

  private static String node(String poolSpec) {
    return "apiVersion: daxtier.io/v1alpha1\nkind: PmemNode\nmetadata:\n  name: worker-1\n"
        + "spec:\n  pools:\n  - name: p\n    state: Active\n    spec:\n"
        + poolSpec.stripIndent().indent(6);
  }

  @Test
  void acceptsAValidPoolCopyAndDefaultsItsState() {
    assertThat(NODES.validateCreate(CrdValidator.yaml(node("mode: SystemRam")))).isEmpty();
    assertThat(
            NODES.validateCreate(
                CrdValidator.yaml(
                    "apiVersion: daxtier.io/v1alpha1\nkind: PmemNode\nmetadata:\n  name: n\n"
                        + "spec:\n  pools:\n  - name: p\n")))
        .isEmpty();
  }

  @Test
  void rejectsEveryRuleViolationInAPoolCopy() {
    Set<String> fired = new HashSet<>();
    for (String bad :
        new String[] {
          "mode: DevDax\nonline:\n  zone: Normal",
          "resource:\n  name: kubernetes.io/pmem",
          "resource:\n  unit: 100Mi",
          "policy:\n  scrub:\n    maxAge: 1 week",
          "release:\n  action: Erase",
          "resource:\n  unit: 2Ti",
          "devices:\n  minSize: 65Ti",
          "devices:\n  provision:\n    size: 65Ti",
          "policy:\n  scrub:\n    maxAge: 721h",
          "release:\n  drainTimeout: 721h",
          "nodeSelector:\n  matchExpressions: ["
              + "{key: a, operator: Exists}, ".repeat(32)
              + "{key: a, operator: Exists}]"
        }) {
      var violations = NODES.validateCreate(CrdValidator.yaml(node(bad)));
      assertThat(violations).as(bad).isNotEmpty();
      violations.forEach(v -> fired.add(v.rule()));
    }
    assertThat(fired).containsAll(NODES.allRules());
  }

  @Test
  void poolEntriesNeedAName() {
    String noName =
        "apiVersion: daxtier.io/v1alpha1\nkind: PmemNode\nmetadata:\n  name: n\n"
            + "spec:\n  pools:\n  - state: Active\n";
    assertThat(NODES.validateCreate(CrdValidator.yaml(noName)).toString()).contains("name");
  }
}
