package io.daxtier.agent.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
