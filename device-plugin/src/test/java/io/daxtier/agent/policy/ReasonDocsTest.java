package io.daxtier.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.model.Malformed;
import io.daxtier.api.v1alpha1.DevicePhase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/reasons.md lists every reason with its kind; the kinds drive phase and rechecks. */
class ReasonDocsTest {

  @Test
  void theDocsListEveryReasonWithItsKind() throws Exception {
    Path doc = Path.of("..", "docs", "reasons.md");
    Map<String, String> listed = new HashMap<>();
    Matcher m = Pattern.compile("(?m)^\\| `(\\w+)` \\| (\\w+) \\|").matcher(Files.readString(doc));
    while (m.find()) {
      listed.put(m.group(1), m.group(2));
    }
    Map<String, String> actual = new HashMap<>();
    for (Reason r : Reason.values()) {
      actual.put(r.name(), r.kind().name());
    }
    assertThat(listed).isEqualTo(actual);
  }

  @Test
  void theKindDecidesThePhaseAndTheRecheck() {
    assertThat(Reason.Conflict.phase(false)).isEqualTo(DevicePhase.Conflict);
    assertThat(Reason.BadBlocks.phase(true)).isEqualTo(DevicePhase.Blocked);
    assertThat(Reason.KernelRefused.phase(true)).isEqualTo(DevicePhase.Failed);
    assertThat(Reason.ScrubInProgress.phase(false)).isEqualTo(DevicePhase.Scrubbing);
    assertThat(Reason.EraseWaiting.phase(false)).isEqualTo(DevicePhase.Releasing);
    assertThat(Reason.WriteInProgress.phase(true)).isEqualTo(DevicePhase.Releasing);
    assertThat(Reason.WriteInProgress.phase(false)).isEqualTo(DevicePhase.Converting);
    for (Reason r : Reason.values()) {
      assertThat(r.recheck() != null).as(r.name()).isEqualTo(r.inProgress());
      assertThat(r.warns())
          .as(r.name())
          .isEqualTo(r.kind() == Reason.Kind.BLOCKED || r.kind() == Reason.Kind.FAILED);
    }
    assertThat(Reason.ScrubInProgress.recheck()).isEqualTo(Duration.ofSeconds(3));
    assertThat(Reason.parse("NoSuchReason")).isNull();
    assertThat(Reason.parse(Malformed.REASON)).isEqualTo(Reason.MalformedSysfs);
  }
}
