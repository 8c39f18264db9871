package io.daxtier.operator;

import io.daxtier.api.v1alpha1.NodePool;
import io.daxtier.api.v1alpha1.NodePoolState;
import io.daxtier.api.v1alpha1.PmemNode;
import io.daxtier.api.v1alpha1.PmemNodeStatus;
import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.PoolPhase;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Test helpers that act as users, the API server's other actors, and simulated node agents. */
public final class Cluster {
  private final KubernetesClient client;

  public Cluster(KubernetesClient client) {
    this.client = client;
  }

  /** Creates the generated CRDs (so the mock honours the status subresource). */
  public void installCrds() {
    for (String plural : new String[] {"pmempools", "pmemnodes"}) {
      CustomResourceDefinition crd =
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .load(
                  Cluster.class.getResourceAsStream(
                      "/META-INF/fabric8/" + plural + ".daxtier.io-v1.yml"))
              .item();
      client.resource(crd).create();
    }
  }

  /** Creates a Node with {@code labels}. */
  public Node node(String name, Map<String, String> labels) {
    return client
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  /** Replaces a node's labels. */
  public void relabel(String name, Map<String, String> labels) {
    client
        .nodes()
        .withName(name)
        .edit(
            n -> {
              n.getMetadata().setLabels(new java.util.HashMap<>(labels));
              return n;
            });
  }

  /** Creates a pool selecting {@code labels}, customised by {@code spec}. */
  public PmemPool pool(String name, Map<String, String> labels, Consumer<PmemPool> spec) {
    PmemPool p = new PmemPool();
    p.setMetadata(new ObjectMetaBuilder().withName(name).build());
    p.getSpec().nodeSelector = new LabelSelectorBuilder().withMatchLabels(labels).build();
    spec.accept(p);
    return client.resource(p).create();
  }

  /** The pool as the API server has it, if it exists. */
  public Optional<PmemPool> pool(String name) {
    return Optional.ofNullable(client.resources(PmemPool.class).withName(name).get());
  }

  /** The PmemNode of {@code node}, if it exists. */
  public Optional<PmemNode> pmemNode(String node) {
    return Optional.ofNullable(client.resources(PmemNode.class).withName(node).get());
  }

  /** The entry of {@code pool} on {@code node}, if any. */
  public Optional<NodePool> entry(String node, String pool) {
    return pmemNode(node)
        .flatMap(pn -> pn.getSpec().pools.stream().filter(e -> e.name.equals(pool)).findFirst());
  }

  /** Whether {@code node} carries {@code pool} in {@code state}. */
  public boolean has(String node, String pool, NodePoolState state) {
    return entry(node, pool).map(e -> e.state == state).orElse(false);
  }

  /** The simulated agent of {@code node} reports one pool's status (having seen the spec). */
  public void agentReports(String node, String pool, PoolPhase phase, String reason, Long online) {
    client
        .resources(PmemNode.class)
        .withName(node)
        .editStatus(
            pn -> {
              if (pn.getStatus() == null) {
                pn.setStatus(new PmemNodeStatus());
              }
              pn.getStatus().observedGeneration = pn.getMetadata().getGeneration();
              pn.getStatus().pools = new ArrayList<>(pn.getStatus().pools);
              pn.getStatus().pools.removeIf(s -> s.name.equals(pool));
              pn.getStatus().pools.add(Fixtures.agent(pool, phase, reason, online));
              return pn;
            });
  }

  /** A running pod on {@code node} in namespace default requesting {@code amount} of a resource. */
  public Pod pod(String name, String node, String resource, String amount) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("default")
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .addNewContainer()
            .withName("app")
            .withImage("busybox")
            .withNewResources()
            .withRequests(resource == null ? Map.of() : Map.of(resource, new Quantity(amount)))
            .endResources()
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .endStatus();
    return client.resource(b.build()).create();
  }

  /** The Node. */
  public Node getNode(String name) {
    return client.nodes().withName(name).get();
  }
}
