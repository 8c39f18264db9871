package io.daxtier.agent.plugin.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.daxtier.agent.plugin.allocation.ResourceChange.Start;
import io.daxtier.agent.plugin.allocation.ResourceChange.Stop;
import io.daxtier.agent.plugin.allocation.ResourceChange.Update;
import io.daxtier.api.v1alpha1.PoolMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceDiffTest {

  @Test
  void startsUpdatesAndStopsWhatDiffers() {
    DeviceList a1 = list("x/a", 1);
    DeviceList a2 = list("x/a", 2);
    DeviceList b = list("x/b", 1);
    DeviceList c = list("x/c", 1);
    DeviceList d = list("x/d", 1);

    List<ResourceChange> changes =
        ResourceDiff.diff(Map.of("x/a", a1, "x/b", b, "x/d", d), List.of(c, a2, b));

    assertThat(changes).containsExactly(new Stop("x/d"), new Start(c), new Update(a2));
  }

  @Test
  void nothingChangedMeansNoChanges() {
    DeviceList a = list("x/a", 3);
    assertThat(ResourceDiff.diff(Map.of("x/a", a), List.of(list("x/a", 3)))).isEmpty();
  }

  @Test
  void aResourceNameTwiceIsAnError() {
    assertThatThrownBy(() -> ResourceDiff.diff(Map.of(), List.of(list("x/a", 1), list("x/a", 2))))
        .hasMessageContaining("x/a");
  }

  private static DeviceList list(String name, int units) {
    return new DeviceList(
        name, "p", PoolMode.SystemRam, Fixtures.GI, Fixtures.units(units).devices());
  }
}
