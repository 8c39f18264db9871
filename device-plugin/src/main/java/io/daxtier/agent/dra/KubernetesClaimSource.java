package io.daxtier.agent.dra;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.resource.v1.AllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceRequestAllocationResult;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code resource.k8s.io/v1} ResourceClaims from the API server (the agent needs {@code get}
 * on resourceclaims).
 */
public final class KubernetesClaimSource implements ClaimSource {
  private final KubernetesClient client;

  public KubernetesClaimSource(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public List<AllocatedDevice> allocation(ClaimRef ref) throws Unavailable {
    ResourceClaim claim;
    try {
      claim =
          client
              .resources(ResourceClaim.class)
              .inNamespace(ref.namespace())
              .withName(ref.name())
              .get();
    } catch (KubernetesClientException e) {
      throw new Unavailable("cannot read ResourceClaim " + ref + ": " + e.getMessage(), e);
    }
    return results(ref, claim);
  }

  /** The device results of a claim read from the API, checked against the kubelet's reference. */
  static List<AllocatedDevice> results(ClaimRef ref, ResourceClaim claim) throws Unavailable {
    if (claim == null) {
      throw new Unavailable("ResourceClaim " + ref + " not found");
    }
    String uid = claim.getMetadata() == null ? null : claim.getMetadata().getUid();
    if (!ref.uid().equals(uid)) {
      throw new Unavailable(
          "ResourceClaim "
              + ref.namespace()
              + "/"
              + ref.name()
              + " has uid "
              + uid
              + ", not "
              + ref.uid()
              + " (deleted and recreated)");
    }
    AllocationResult allocation =
        claim.getStatus() == null ? null : claim.getStatus().getAllocation();
    if (allocation == null || allocation.getDevices() == null) {
      throw new Unavailable("ResourceClaim " + ref + " is not allocated");
    }
    List<AllocatedDevice> out = new ArrayList<>();
    List<DeviceRequestAllocationResult> results = allocation.getDevices().getResults();
    for (DeviceRequestAllocationResult r :
        results == null ? List.<DeviceRequestAllocationResult>of() : results) {
      if (r.getDriver() == null || r.getPool() == null || r.getDevice() == null) {
        throw new Unavailable("ResourceClaim " + ref + " has an incomplete device result");
      }
      Long bytes = null;
      Quantity q =
          r.getConsumedCapacity() == null
              ? null
              : r.getConsumedCapacity().get(DraNames.CAPACITY_MEMORY);
      if (q != null) {
        try {
          bytes = q.getNumericalAmount().longValueExact();
        } catch (ArithmeticException | IllegalArgumentException e) {
          throw new Unavailable(
              "ResourceClaim " + ref + " consumes a capacity that is no byte count: " + q, e);
        }
      }
      out.add(
          new AllocatedDevice(
              r.getRequest(), r.getDriver(), r.getPool(), r.getDevice(), bytes, r.getShareID()));
    }
    return out;
  }
}
