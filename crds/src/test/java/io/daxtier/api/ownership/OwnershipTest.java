package io.daxtier.api.ownership;

import static io.daxtier.api.v1alpha1.PoolMode.DevDax;
import static io.daxtier.api.v1alpha1.PoolMode.SystemRam;
import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.ownership.Ownership.Candidate;
import io.daxtier.api.ownership.Ownership.Holder;
import io.daxtier.api.ownership.Ownership.Loss;
import io.daxtier.api.ownership.Ownership.Outcome;
import io.daxtier.api.ownership.Ownership.Result;
import io.daxtier.api.ownership.Ownership.Use;
import io.daxtier.api.v1alpha1.PoolMode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ownership rule as a table: two pools select one device, the older first (precedence order);
 * each row says what the device is doing and who owns it, and how each pool loses.
 */
class OwnershipTest {

  /** One row: the pools' modes, the holder, the expected owner and the losses (old, young). */
  record Row(
      String name,
      PoolMode oldMode,
      PoolMode youngMode,
      Holder holder,
      String owner,
      Loss oldLoss,
      String oldMessage,
      Loss youngLoss,
      String youngMessage) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> table() {
    return Stream.of(
            new Row(
                "free: the older pool owns by precedence",
                SystemRam,
                DevDax,
                null,
                "old",
                null,
                null,
                Loss.Precedence,
                "owned by pool old (precedence)"),
            new Row(
                "online as System RAM for the older pool: it keeps it",
                SystemRam,
                SystemRam,
                Holder.pool("old", "u-old", Use.SystemRam),
                "old",
                null,
                null,
                Loss.Held,
                "held by pool old"),
            new Row(
                "online as System RAM for the younger pool: sticky against the older",
                SystemRam,
                SystemRam,
                Holder.pool("young", "u-young", Use.SystemRam),
                "young",
                Loss.Held,
                "held by pool young",
                null,
                null),
            new Row(
                "served DevDax for the younger pool, older SystemRam pool: sticky",
                SystemRam,
                DevDax,
                Holder.pool("young", "u-young", Use.DevDax),
                "young",
                Loss.Held,
                "held by pool young",
                null,
                null),
            new Row(
                "served DevDax for the younger pool, older DevDax pool: sticky",
                DevDax,
                DevDax,
                Holder.pool("young", "u-young", Use.DevDax),
                "young",
                Loss.Held,
                "held by pool young",
                null,
                null),
            new Row(
                "in release for the younger pool: it keeps it until released",
                SystemRam,
                SystemRam,
                Holder.pool("young", "u-young", Use.Releasing),
                "young",
                Loss.Held,
                "held by pool young",
                null,
                null),
            new Row(
                "in release for a pool that no longer selects it: nobody else takes it",
                SystemRam,
                DevDax,
                Holder.pool("gone", "u-gone", Use.Releasing),
                null,
                Loss.Held,
                "held by pool gone",
                Loss.Held,
                "held by pool gone"),
            new Row(
                "held by a re-created pool of the same name (another uid): not the new one's",
                SystemRam,
                SystemRam,
                Holder.pool("old", "u-before", Use.SystemRam),
                null,
                Loss.Held,
                "held by pool old",
                Loss.Held,
                "held by pool old"),
            new Row(
                "holder recorded without a uid (an older record): matched by name",
                DevDax,
                DevDax,
                Holder.pool("young", null, Use.DevDax),
                "young",
                Loss.Held,
                "held by pool young",
                null,
                null),
            new Row(
                "unknown use as System RAM, older DevDax pool: the SystemRam pool owns it",
                DevDax,
                SystemRam,
                Holder.unknown(Use.SystemRam),
                "young",
                Loss.InUse,
                "in use as system-ram by pool young: a DevDax pool does not convert it",
                null,
                null),
            new Row(
                "unknown use as System RAM, both SystemRam: precedence among the matching",
                SystemRam,
                SystemRam,
                Holder.unknown(Use.SystemRam),
                "old",
                null,
                null,
                Loss.Precedence,
                "owned by pool old (precedence)"),
            new Row(
                "unknown use as DevDax, both SystemRam: nobody converts it",
                SystemRam,
                SystemRam,
                Holder.unknown(Use.DevDax),
                null,
                Loss.InUse,
                "in use as devdax by no known pool: a SystemRam pool does not convert it",
                Loss.InUse,
                "in use as devdax by no known pool: a SystemRam pool does not convert it"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void ownerAndOutcomes(Row row) {
    Candidate old = new Candidate("old", "u-old", row.oldMode());
    Candidate young = new Candidate("young", "u-young", row.youngMode());

    Result r = Ownership.decide(List.of(old, young), row.holder());

    assertThat(r.owner().map(Candidate::name).orElse(null)).isEqualTo(row.owner());
    assertThat(r.outcomes()).extracting(Outcome::pool).containsExactly(old, young);
    assertThat(r.outcomes().get(0).loss()).isEqualTo(row.oldLoss());
    assertThat(r.outcomes().get(0).message()).isEqualTo(row.oldMessage());
    assertThat(r.outcomes().get(0).owns()).isEqualTo(row.oldLoss() == null);
    assertThat(r.outcomes().get(1).loss()).isEqualTo(row.youngLoss());
    assertThat(r.outcomes().get(1).message()).isEqualTo(row.youngMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theOrderOfTheCandidatesOnlyMattersForAFreeDevice(Row row) {
    Candidate old = new Candidate("old", "u-old", row.oldMode());
    Candidate young = new Candidate("young", "u-young", row.youngMode());
    if (row.holder() == null || row.holder().pool() == null) {
      return;
    }
    assertThat(Ownership.decide(List.of(young, old), row.holder()).owner())
        .isEqualTo(Ownership.decide(List.of(old, young), row.holder()).owner());
  }
}
