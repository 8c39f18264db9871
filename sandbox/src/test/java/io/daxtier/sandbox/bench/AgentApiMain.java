package io.daxtier.sandbox.bench;

import io.daxtier.agent.cli.PoolFile;
import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeSpec;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.sandbox.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The API server of one node's agent in cluster mode, as its own process, for
 * bench/agent-footprint.sh and device-plugin/cds-archive.sh: an embedded API server (the sandbox's)
 * holding the Node, the pools of a pool file as PmemPools, and the node's PmemNode with those pools
 * in spec.pools, as the operator writes it. Writes a kubeconfig for the agent, prints {@code ready
 * <url>}, then prints {@code status <epoch-ms>} once the agent has written the PmemNode's status,
 * and serves until killed.
 *
 * <p>Usage: {@code AgentApiMain NODE_NAME POOL_FILE KUBECONFIG}
 */
public final class AgentApiMain {
  private AgentApiMain() {}

  public static void main(String[] args) throws Exception {
    String nodeName = args[0];
    EmbeddedApiServer api = EmbeddedApiServer.start(0);
    KubernetesClient client = api.client();
    Node node =
        client
            .nodes()
            .resource(
                new NodeBuilder()
                    .withNewMetadata()
                    .withName(nodeName)
                    .addToLabels("daxtier.io/pmem", "present")
                    .endMetadata()
                    .build())
            .create();
    List<NodePool> pools = new ArrayList<>();
    for (NodePool p : PoolFile.read(Path.of(args[1])).pools()) {
      PmemPool pool = new PmemPool();
      pool.setMetadata(new ObjectMetaBuilder().withName(p.name).build());
      pool.setSpec(p.spec);
      PmemPool stored = client.resource(pool).create();
      pools.add(
          new NodePool(
              stored.getMetadata().getName(),
              stored.getMetadata().getUid(),
              stored.getMetadata().getGeneration(),
              NodePoolState.Active,
              stored.getSpec()));
    }
    PmemNode pn = new PmemNode();
    pn.setMetadata(
        new ObjectMetaBuilder()
            .withName(nodeName)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName(nodeName)
                    .withUid(node.getMetadata().getUid())
                    .build())
            .build());
    PmemNodeSpec spec = new PmemNodeSpec();
    spec.pools = pools;
    pn.setSpec(spec);
    client.resource(pn).create();
    api.writeKubeconfig(Path.of(args[2]), api.clientUrl());
    System.out.println("ready " + api.clientUrl() + " " + System.currentTimeMillis());
    System.out.flush();
    while (true) {
      PmemNode now = client.resources(PmemNode.class).withName(nodeName).get();
      if (now != null && now.getStatus() != null) {
        System.out.println("status " + System.currentTimeMillis());
        System.out.flush();
        break;
      }
      Thread.sleep(200);
    }
    Thread.currentThread().join();
  }
}
