package io.daxtier.agent.cli;

import io.daxtier.agent.reconcile.PassResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One-shot commands ({@code apply}, {@code run --once}) finish what a pass started and did not wait
 * for, an ARS or a DIMM overwrite: another pass after each {@link PassResult#recheckAfter()}, until
 * nothing runs any more or {@code wait} has passed.
 */
final class Rechecks {
  private Rechecks() {}

  static PassResult follow(
      PassResult first, Duration wait, Supplier<Optional<PassResult>> pass, PrintWriter err)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    PassResult r = first;
    while (r.recheckAfter().isPresent() && System.nanoTime() < deadline) {
      Duration next = r.recheckAfter().get();
      err.printf("in progress (an ARS or an overwrite is running): next pass in %s%n", next);
      err.flush();
      Thread.sleep(next.toMillis());
      Optional<PassResult> again = pass.get();
      if (again.isEmpty()) {
        break;
      }
      r = again.get();
    }
    return r;
  }
}
