package io.daxtier.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One per node, named after it. The operator writes {@code spec} (the pools resolved for the node);
 * the node agent writes {@code status} (what the node has and what it did). One writer per field.
 */
@Group(Api.GROUP)
@Version(Api.VERSION)
@Kind("PmemNode")
@Plural("pmemnodes")
@Singular("pmemnode")
@ShortNames("pmn")
@AdditionalPrinterColumn(
    name = "Devices",
    jsonPath = ".status.devicesSummary",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Online",
    jsonPath = ".status.onlineCapacity",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "MCE-Recovery",
    jsonPath = ".status.platform.machineCheckRecovery.capability",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class PmemNode extends CustomResource<PmemNodeSpec, PmemNodeStatus> {
  private static final long serialVersionUID = 1L;

  @Override
  protected PmemNodeSpec initSpec() {
    return new PmemNodeSpec();
  }
}
