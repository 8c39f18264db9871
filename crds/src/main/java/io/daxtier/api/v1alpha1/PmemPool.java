package io.daxtier.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A pool of device-dax memory on the nodes a selector matches, and the policy that guards it. */
@Group(Api.GROUP)
@Version(Api.VERSION)
@Kind("PmemPool")
@Plural("pmempools")
@Singular("pmempool")
@ShortNames("pmp")
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.mode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.readyNodes",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Matched",
    jsonPath = ".status.matchedNodes",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Online",
    jsonPath = ".status.onlineCapacity",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Status",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
// A transition rule must sit on a correlatable part of the schema: the root is one, whereas the
// copies of the spec inside PmemNode.spec.pools (an atomic list) are not.
@ValidationRule(
    value =
        "(has(oldSelf.spec.resource) && has(oldSelf.spec.resource.name) ? oldSelf.spec.resource.name"
            + " : '"
            + Api.DEFAULT_RESOURCE_NAME
            + "') == (has(self.spec.resource) && has(self.spec.resource.name) ? self.spec.resource.name : '"
            + Api.DEFAULT_RESOURCE_NAME
            + "')",
    message = "resource.name is immutable: pods and nodes already refer to it",
    reason = "FieldValueForbidden")
public class PmemPool extends CustomResource<PmemPoolSpec, PmemPoolStatus> {
  private static final long serialVersionUID = 1L;

  @Override
  protected PmemPoolSpec initSpec() {
    return new PmemPoolSpec();
  }
}
