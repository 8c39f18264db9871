package io.daxtier.testkit.kubelet;

import io.daxtier.deviceplugin.v1beta1.AllocateRequest;
import io.daxtier.deviceplugin.v1beta1.AllocateResponse;
import io.daxtier.deviceplugin.v1beta1.ContainerAllocateRequest;
import io.daxtier.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import io.daxtier.deviceplugin.v1beta1.Device;
import io.daxtier.deviceplugin.v1beta1.DevicePluginGrpc;
import io.daxtier.deviceplugin.v1beta1.DevicePluginOptions;
import io.daxtier.deviceplugin.v1beta1.Empty;
import io.daxtier.deviceplugin.v1beta1.ListAndWatchResponse;
import io.daxtier.deviceplugin.v1beta1.PreferredAllocationRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** The fake kubelet's side of one registered plugin: a ListAndWatch stream plus unary calls. */
public final class PluginConnection implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final String resourceName;
  private final ManagedChannel channel;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile boolean streamOpen;

  /** One ListAndWatch message and when it arrived ({@link System#nanoTime()}). */
  public record Received(ListAndWatchResponse response, long nanoTime) {}

  PluginConnection(String resourceName, ManagedChannel channel) {
    this.resourceName = resourceName;
    this.channel = channel;
  }

  public String resourceName() {
    return resourceName;
  }

  void watch() {
    streamOpen = true;
    DevicePluginGrpc.newStub(channel)
        .listAndWatch(
            Empty.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(ListAndWatchResponse value) {
                received.add(new Received(value, System.nanoTime()));
              }

              @Override
              public void onError(Throwable t) {
                streamOpen = false;
              }

              @Override
              public void onCompleted() {
                streamOpen = false;
              }
            });
  }

  /** Every list received, in order. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  public Optional<ListAndWatchResponse> latest() {
    return received.isEmpty()
        ? Optional.empty()
        : Optional.of(received.get(received.size() - 1).response());
  }

  /** The latest list as id → health. */
  public Map<String, String> health() {
    Map<String, String> out = new LinkedHashMap<>();
    latest().ifPresent(l -> l.getDevicesList().forEach(d -> out.put(d.getID(), d.getHealth())));
    return out;
  }

  /** Waits for a list that satisfies {@code condition} and returns it. */
  public ListAndWatchResponse awaitList(Predicate<List<Device>> condition) {
    return Awaitility.await(resourceName + " device list")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(5))
        .until(() -> latest().orElse(null), l -> l != null && condition.test(l.getDevicesList()));
  }

  public boolean streamOpen() {
    return streamOpen;
  }

  public DevicePluginOptions options() {
    return stub().getDevicePluginOptions(Empty.getDefaultInstance());
  }

  /** Allocate with one id list per container. */
  @SafeVarargs
  public final AllocateResponse allocate(List<String>... containers) {
    AllocateRequest.Builder b = AllocateRequest.newBuilder();
    for (List<String> ids : containers) {
      b.addContainerRequests(ContainerAllocateRequest.newBuilder().addAllDevicesIds(ids));
    }
    return stub().allocate(b.build());
  }

  /** GetPreferredAllocation for one container. */
  public List<String> preferred(List<String> available, List<String> mustInclude, int size) {
    return stub()
        .getPreferredAllocation(
            PreferredAllocationRequest.newBuilder()
                .addContainerRequests(
                    ContainerPreferredAllocationRequest.newBuilder()
                        .addAllAvailableDeviceIDs(available)
                        .addAllMustIncludeDeviceIDs(mustInclude)
                        .setAllocationSize(size))
                .build())
        .getContainerResponses(0)
        .getDeviceIDsList();
  }

  private DevicePluginGrpc.DevicePluginBlockingStub stub() {
    return DevicePluginGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
