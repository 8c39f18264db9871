package io.daxtier.agent.dra;

import static io.daxtier.agent.dra.FakeClaimSource.ours;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PoolMode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The planner's decisions, as a table: results of one claim against a 4 GiB device. */
class PreparePlannerTest {
  private static final long GIB = 1L << 30;
  private static final String NODE = "node-a";
  private static final String RAM = DraNames.systemRamDevice("tier", 2);
  private static final ClaimRef CLAIM = new ClaimRef("ns", "c", "uid-c");
  private static final ClaimRef OTHER = new ClaimRef("ns", "o", "uid-o");

  static Stream<Arguments> rows() {
    AllocatedDevice gpu = new AllocatedDevice("gpu", "gpu.example.com", NODE, "gpu0", null, null);
    return Stream.of(
        Arguments.of("fits", List.of(ours(NODE, "m", RAM, 4 * GIB)), 0L, "4294967296"),
        Arguments.of(
            "two results on one device are summed",
            List.of(ours(NODE, "a", RAM, 3 * GIB), ours(NODE, "b", RAM, 2 * GIB)),
            0L,
            "refused: the claim asks for 5368709120"),
        Arguments.of(
            "other claims' consumption counts",
            List.of(ours(NODE, "m", RAM, 2 * GIB)),
            3 * GIB,
            "refused: other prepared claims hold 3221225472"),
        Arguments.of(
            "other drivers' results are not ours",
            List.of(gpu, ours(NODE, "m", RAM, null)),
            0L,
            "1073741824"),
        Arguments.of(
            "a zero capacity is refused",
            List.of(ours(NODE, "m", RAM, 0L)),
            0L,
            "refused: consumed capacity must be positive"),
        Arguments.of("only other drivers", List.of(gpu), 0L, "refused: has no device of driver"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(String row, List<AllocatedDevice> results, long otherBytes, String expected) {
    ClaimLedger ledger = new ClaimLedger();
    if (otherBytes > 0) {
      ledger.put(
          new PreparedClaim(
              OTHER,
              List.of(
                  new PreparedDevice(
                      "m", NODE, RAM, PoolMode.SystemRam, 2, otherBytes, null, "x"))));
    }
    DraDevice device =
        new DraDevice(
            RAM,
            "tier",
            PoolMode.SystemRam,
            "daxtier.io/pmem",
            GIB,
            2,
            0,
            4 * GIB,
            null,
            true,
            Map.of());

    PrepareDecision d = PreparePlanner.plan(CLAIM, results, NODE, List.of(device), ledger);

    if (expected.startsWith("refused: ")) {
      assertThat(d).isInstanceOf(PrepareDecision.Refuse.class);
      assertThat(((PrepareDecision.Refuse) d).message()).contains(expected.substring(9));
    } else {
      assertThat(d).isInstanceOf(PrepareDecision.Prepare.class);
      assertThat(((PrepareDecision.Prepare) d).claim().devices())
          .extracting(PreparedDevice::bytes)
          .containsExactly(Long.parseLong(expected));
    }
  }
}
