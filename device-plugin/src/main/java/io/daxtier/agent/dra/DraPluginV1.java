package io.daxtier.agent.dra;

import io.daxtier.dra.v1.Claim;
import io.daxtier.dra.v1.DRAPluginGrpc;
import io.daxtier.dra.v1.Device;
import io.daxtier.dra.v1.NodePrepareResourceResponse;
import io.daxtier.dra.v1.NodePrepareResourcesRequest;
import io.daxtier.dra.v1.NodePrepareResourcesResponse;
import io.daxtier.dra.v1.NodeUnprepareResourceResponse;
import io.daxtier.dra.v1.NodeUnprepareResourcesRequest;
import io.daxtier.dra.v1.NodeUnprepareResourcesResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The kubelet's {@code v1.DRAPlugin} service: converts messages and runs the preparer off the event
 * loop (a prepare reads the API server).
 */
final class DraPluginV1 extends DRAPluginGrpc.DRAPluginImplBase {
  private final DraPreparer preparer;
  private final Executor executor;

  DraPluginV1(DraPreparer preparer, Executor executor) {
    this.preparer = preparer;
    this.executor = executor;
  }

  @Override
  public void nodePrepareResources(
      NodePrepareResourcesRequest request, StreamObserver<NodePrepareResourcesResponse> out) {
    List<ClaimRef> refs = refs(request.getClaimsList());
    run(
        out,
        () -> {
          NodePrepareResourcesResponse.Builder b = NodePrepareResourcesResponse.newBuilder();
          for (Map.Entry<String, ClaimResult> e : preparer.prepare(refs).entrySet()) {
            NodePrepareResourceResponse.Builder r = NodePrepareResourceResponse.newBuilder();
            if (e.getValue().failed()) {
              r.setError(e.getValue().error());
            } else {
              for (PreparedDevice d : e.getValue().devices()) {
                Device.Builder db =
                    Device.newBuilder()
                        .setPoolName(d.pool())
                        .setDeviceName(d.device())
                        .addCdiDeviceIds(d.cdiId());
                if (!d.request().isEmpty()) {
                  db.addRequestNames(d.request());
                }
                r.addDevices(db);
              }
            }
            b.putClaims(e.getKey(), r.build());
          }
          return b.build();
        });
  }

  @Override
  public void nodeUnprepareResources(
      NodeUnprepareResourcesRequest request, StreamObserver<NodeUnprepareResourcesResponse> out) {
    List<ClaimRef> refs = refs(request.getClaimsList());
    run(
        out,
        () -> {
          NodeUnprepareResourcesResponse.Builder b = NodeUnprepareResourcesResponse.newBuilder();
          for (Map.Entry<String, ClaimResult> e : preparer.unprepare(refs).entrySet()) {
            NodeUnprepareResourceResponse.Builder r = NodeUnprepareResourceResponse.newBuilder();
            if (e.getValue().failed()) {
              r.setError(e.getValue().error());
            }
            b.putClaims(e.getKey(), r.build());
          }
          return b.build();
        });
  }

  private static List<ClaimRef> refs(List<Claim> claims) {
    return claims.stream()
        .map(c -> new ClaimRef(c.getNamespace(), c.getName(), c.getUid()))
        .toList();
  }

  private <T> void run(StreamObserver<T> out, Supplier<T> call) {
    try {
      executor.execute(
          () -> {
            T response;
            try {
              response = call.get();
            } catch (RuntimeException e) {
              out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
              return;
            }
            out.onNext(response);
            out.onCompleted();
          });
    } catch (RejectedExecutionException e) {
      out.onError(
          Status.UNAVAILABLE.withDescription("the DRA plugin is stopping").asRuntimeException());
    }
  }
}
