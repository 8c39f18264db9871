package io.daxtier.agent.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.agent.run.DesiredState;
import io.daxtier.agent.testing.Pools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStateCacheTest {
  @TempDir Path dir;

  @Test
  void theLastDesiredStateReadsBackInANewAgent() {
    new DesiredStateCache(dir).save(new DesiredState(List.of(Pools.systemRam("tier")), 7L));

    DesiredState back = new DesiredStateCache(dir).load().orElseThrow();

    assertThat(back.generation()).isEqualTo(7L);
    assertThat(back.pools()).singleElement().satisfies(p -> assertThat(p.name).isEqualTo("tier"));
    assertThat(dir.resolve(DesiredStateCache.FILE + ".tmp")).doesNotExist();
  }

  @Test
  void noCacheOrOneThatDoesNotParseMeansNoDesiredState() throws Exception {
    assertThat(new DesiredStateCache(dir).load()).isEmpty();
    Files.writeString(dir.resolve(DesiredStateCache.FILE), "{\"pools\": [tru");
    assertThat(new DesiredStateCache(dir).load()).isEmpty();
  }

  @Test
  void clearForgetsIt() {
    DesiredStateCache c = new DesiredStateCache(dir);
    c.save(new DesiredState(List.of(Pools.systemRam("tier")), 1L));
    c.clear();
    assertThat(new DesiredStateCache(dir).load()).isEmpty();
  }
}
