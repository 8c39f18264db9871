package io.daxtier.agent.run;

import io.daxtier.agent.cli.PoolFile;
import java.nio.file.Path;
import java.util.Optional;

/** Standalone mode: the desired pools are read from a file on every pass. */
public final class PoolFileSource implements DesiredStateSource {
  private final Path file;

  public PoolFileSource(Path file) {
    this.file = file;
  }

  @Override
  public Optional<DesiredState> current() throws PoolFile.BadPoolFile {
    PoolFile.Desired d = PoolFile.read(file);
    return Optional.of(new DesiredState(d.pools(), d.generation()));
  }
}
