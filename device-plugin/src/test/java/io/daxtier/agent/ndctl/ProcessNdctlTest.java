package io.daxtier.agent.ndctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ndctl's JSON (object for one result, array for several) and the command lines we run. */
class ProcessNdctlTest {
  static final String LIST_ONE =
      """
      {"dev":"namespace0.0","mode":"devdax","map":"dev","size":1054867456,"uuid":"a","chardev":"dax0.0","align":2097152}
      """;
  static final String LIST_MANY =
      """
      [{"dev":"namespace0.0","mode":"devdax","chardev":"dax0.0"},
       {"dev":"namespace1.0","mode":"devdax","daxregion":{"id":1,"devices":[{"chardev":"dax1.0","mode":"devdax"}]}}]
      """;
  static final String CREATED =
      """
      {"dev":"namespace0.0","mode":"devdax","map":"dev","size":"1006.00 MiB (1054.87 MB)",
       "daxregion":{"id":0,"size":"1006.00 MiB (1054.87 MB)","align":2097152,
         "devices":[{"chardev":"dax0.0","size":"1006.00 MiB (1054.87 MB)","target_node":1,"mode":"devdax"}]},
       "align":2097152}
      """;

  @Test
  void findsTheNamespaceOfADaxDevice() {
    assertThat(NdctlJson.namespaceOf(LIST_ONE, "dax0.0")).hasValue("namespace0.0");
    assertThat(NdctlJson.namespaceOf(LIST_MANY, "dax1.0")).hasValue("namespace1.0");
    assertThat(NdctlJson.namespaceOf(LIST_MANY, "dax9.0")).isEmpty();
    assertThat(NdctlJson.namespaceOf("not json", "dax0.0")).isEmpty();
  }

  @Test
  void readsTheCreatedDevice() {
    assertThat(NdctlJson.createdDevice(CREATED)).hasValue("dax0.0");
  }

  @Test
  void clearErrorsResolvesTheNamespaceFirst() {
    List<List<String>> calls = new ArrayList<>();
    ProcessNdctl n =
        new ProcessNdctl(
            "ndctl",
            (cmd, t) -> {
              calls.add(cmd);
              return new ProcessNdctl.Result(0, cmd.get(1).equals("list") ? LIST_MANY : "");
            });
    assertThat(n.clearErrors("dax1.0")).isTrue();
    assertThat(calls)
        .containsExactly(
            List.of("ndctl", "list", "-N"), List.of("ndctl", "clear-errors", "namespace1.0"));
  }

  @Test
  void missingNdctlOrAnUnsupportedBusIsAFailureNotACrash() {
    ProcessNdctl n = new ProcessNdctl("/nonexistent/ndctl", ProcessNdctl::exec);
    assertThat(n.startScrub("ndbus0")).isFalse();
    assertThat(n.createNamespace("region0", 0, 2097152)).isEmpty();
  }
}
