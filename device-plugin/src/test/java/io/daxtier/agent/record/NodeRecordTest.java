package io.daxtier.agent.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.agent.model.BadBlock;
import io.daxtier.agent.policy.History;
import io.daxtier.api.ownership.Ownership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable node record: survives a new process, never half-written, bad files kept aside. */
class NodeRecordTest {
  @TempDir Path dir;

  private static final NodeRecord.AutoOnlineSwitch SWITCH =
      new NodeRecord.AutoOnlineSwitch("online", "offline", "dax0.0", "2026-12-04T22:00:00Z");

  @Test
  void aSwitchIsReadBackByTheNextProcessAndClearedForGood() throws IOException {
    Path state = dir.resolve("var/lib/daxtier"); // created on the first write
    NodeRecord.open(state).recordSwitch(SWITCH);

    assertThat(NodeRecord.open(state).autoOnlineSwitch()).hasValue(SWITCH);
    assertThat(Files.list(state))
        .extracting(p -> p.getFileName().toString())
        .containsExactly(NodeRecord.FILE); // no temporary file left behind

    NodeRecord.open(state).clearSwitch();
    assertThat(NodeRecord.open(state).autoOnlineSwitch()).isEmpty();
  }

  @Test
  void theStateDirectoryIsTheOwnersAloneCreatedOrFound() throws IOException {
    Path fresh = dir.resolve("fresh/daxtier");
    NodeRecord.open(fresh).recordSwitch(SWITCH);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)))
        .isEqualTo("rwx------");
    // a hostPath the kubelet created (0755) is narrowed on the first write
    Path found = Files.createDirectories(dir.resolve("found"));
    Files.setPosixFilePermissions(found, PosixFilePermissions.fromString("rwxr-xr-x"));
    NodeRecord.open(found).recordSwitch(SWITCH);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(found)))
        .isEqualTo("rwx------");
  }

  @Test
  void theHistoryReadsBackAsWrittenAndKeepsTheSwitch() throws IOException {
    java.time.Instant t = java.time.Instant.parse("2026-12-05T04:00:00Z");
    History h =
        History.empty()
            .withScrub("ndbus0", t)
            .withRetry(
                "dax0.0",
                new History.Retry(
                    io.daxtier.agent.policy.Reason.OfflineBusy, "busy", 2, t.plusSeconds(20)))
            .withErase(
                History.releaseKey("p", "uid-1"),
                new History.Erase(
                    "p",
                    "uid-1",
                    3L,
                    List.of("nmem0", "nmem1"),
                    List.of("region0"),
                    Set.of("nmem0", "nmem1"),
                    java.util.Map.of("nmem0", t, "nmem1", t.plusSeconds(5)),
                    Set.of("nmem0"),
                    t))
            .withKnownBadBlocks("region0", Set.of(new BadBlock(4096, 8), new BadBlock(16, 1)))
            .withPoison("dax0.0", List.of(new AddressRange(0x1000, 0x1fff)), 1)
            .withPoison("dax1.0", List.of(), 7)
            .withServing("dax1.0", "d")
            .withOwner("dax1.0", new History.Owner("d", "uid-d", Ownership.Use.DevDax))
            .withOwner("dax0.0", new History.Owner("p", null, Ownership.Use.Releasing))
            .asCautious();
    NodeRecord.open(dir).recordSwitch(SWITCH);
    NodeRecord.open(dir).saveHistory(h);

    NodeRecord again = NodeRecord.open(dir);
    assertThat(again.history()).hasValue(h);
    assertThat(again.autoOnlineSwitch()).hasValue(SWITCH);
    assertThat(again.setAside()).isEmpty();
  }

  @Test
  void aHistoryWrittenBeforeOwnersExistedReadsAsHoldingNothing() throws IOException {
    Files.writeString(
        dir.resolve(NodeRecord.FILE),
        "{\"version\":1,\"history\":{\"lastScrub\":{\"ndbus0\":\"2026-12-05T04:00:00Z\"},"
            + "\"serving\":{\"dax1.0\":\"d\"}}}");

    NodeRecord r = NodeRecord.open(dir);

    assertThat(r.history()).hasValueSatisfying(h -> assertThat(h.owners()).isEmpty());
    assertThat(r.history().orElseThrow().serving()).containsEntry("dax1.0", "d");
    assertThat(r.setAside()).isEmpty();
  }

  @Test
  void anOwnerWithAnUnknownUseSetsTheHistoryAside() throws IOException {
    Files.writeString(
        dir.resolve(NodeRecord.FILE),
        "{\"version\":1,\"history\":{\"owners\":{\"dax0.0\":{\"pool\":\"p\",\"use\":\"Lent\"}}}}");

    NodeRecord r = NodeRecord.open(dir);

    assertThat(r.history()).isEmpty();
    assertThat(r.setAside()).isPresent();
  }

  @Test
  void aHistoryWithAValueThatDoesNotReadBackIsSetAsideWhole() throws IOException {
    Files.writeString(
        dir.resolve(NodeRecord.FILE),
        "{\"version\":1,\"history\":{\"lastScrub\":{\"ndbus0\":\"2026-12-05T04:00:00Z\"},"
            + "\"unhealthy\":{\"dax0.0\":[{\"start\":16,\"end\":1}]}}}");

    NodeRecord r = NodeRecord.open(dir);

    assertThat(r.history()).isEmpty();
    assertThat(r.setAside()).hasValueSatisfying(m -> assertThat(m).contains("set aside"));
  }

  @Test
  void aLeftoverTemporaryFileFromACrashDoesNotCount() throws IOException {
    NodeRecord.open(dir).recordSwitch(SWITCH);
    Files.writeString(dir.resolve(NodeRecord.FILE + ".tmp"), "{\"autoOnlineSw"); // died mid-write

    assertThat(NodeRecord.open(dir).autoOnlineSwitch()).hasValue(SWITCH);
    NodeRecord.open(dir).clearSwitch();
    assertThat(NodeRecord.open(dir).autoOnlineSwitch()).isEmpty();
  }

  @Test
  void aFileThatDoesNotParseIsMovedAsideNotOverwritten() throws IOException {
    Files.writeString(dir.resolve(NodeRecord.FILE), "{not json");

    NodeRecord r = NodeRecord.open(dir);

    assertThat(r.autoOnlineSwitch()).isEmpty();
    assertThat(Files.list(dir))
        .extracting(p -> p.getFileName().toString())
        .anyMatch(n -> n.startsWith(NodeRecord.FILE + ".corrupt-"));
    assertThat(Files.exists(dir.resolve(NodeRecord.FILE))).isFalse();
  }

  @Test
  void fieldsOfANewerAgentAreIgnored() throws IOException {
    Files.writeString(
        dir.resolve(NodeRecord.FILE),
        "{\"version\":2,\"erase\":{\"pool\":\"p\"},\"udevOnline\":{\"device\":\"dax1.0\",\"at\":\"t\"}}");

    assertThat(NodeRecord.open(dir).udevOnline())
        .hasValue(new NodeRecord.UdevOnline("dax1.0", "t"));
  }

  @Test
  void anUnwritableDirectoryFailsTheWriteAndKeepsTheOldState() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    NodeRecord r = NodeRecord.open(file);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.recordSwitch(SWITCH))
        .isInstanceOf(IOException.class);
    assertThat(r.autoOnlineSwitch()).isEmpty();
  }
}
