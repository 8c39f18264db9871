package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/** The hub's bounded history: replay after a kept version, refusal (expiry) before it. */
class WatchHubTest {
  static String pool(String name, long rv) {
    return "{\"apiVersion\":\"daxtier.io/v1alpha1\",\"kind\":\"PmemPool\",\"metadata\":{\"name\":\""
        + name
        + "\",\"resourceVersion\":\""
        + rv
        + "\"}}";
  }

  @Test
  void aWatchFromAKeptVersionReplaysWhatFollowsIt() {
    WatchHub hub = new WatchHub(3);
    for (long rv = 1; rv <= 5; rv++) {
      hub.changed(rv == 1, pool("p" + rv, rv));
    }
    // kept: 3, 4, 5; dropped: 1, 2
    BlockingQueue<WatchHub.Event> queue = new LinkedBlockingQueue<>();
    assertThat(hub.subscribe(2, queue)).isTrue();
    List<WatchHub.Event> replayed = new ArrayList<>();
    queue.drainTo(replayed);
    assertThat(replayed).extracting(WatchHub.Event::rv).containsExactly(3L, 4L, 5L);

    hub.changed(false, pool("p6", 6));
    assertThat(queue.poll()).extracting(WatchHub.Event::rv).isEqualTo(6L);
  }

  @Test
  void aWatchFromADroppedVersionHasExpired() {
    WatchHub hub = new WatchHub(3);
    for (long rv = 1; rv <= 5; rv++) {
      hub.changed(true, pool("p" + rv, rv));
    }
    BlockingQueue<WatchHub.Event> queue = new LinkedBlockingQueue<>();
    assertThat(hub.subscribe(1, queue)).as("rv 2 was dropped: the watch would miss it").isFalse();
    assertThat(hub.oldestResourceVersion()).isEqualTo(2);
    hub.changed(false, pool("p6", 6));
    assertThat(queue).as("an expired watch is not subscribed").isEmpty();
  }

  @Test
  void aWatchFromNowOrBeforeAnyDropReplaysWhatIsKept() {
    WatchHub hub = new WatchHub(3);
    hub.changed(true, pool("a", 7));
    BlockingQueue<WatchHub.Event> queue = new LinkedBlockingQueue<>();
    assertThat(hub.subscribe(0, queue)).isTrue();
    assertThat(queue).as("0: from now on").isEmpty();
    BlockingQueue<WatchHub.Event> old = new LinkedBlockingQueue<>();
    assertThat(hub.subscribe(1, old)).as("nothing dropped yet").isTrue();
    assertThat(old).extracting(WatchHub.Event::rv).containsExactly(7L);
  }
}
