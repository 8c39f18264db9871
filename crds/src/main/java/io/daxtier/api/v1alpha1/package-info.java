/**
 * The {@code daxtier.io/v1alpha1} API: {@link io.daxtier.api.v1alpha1.PmemPool} (what users ask
 * for) and {@link io.daxtier.api.v1alpha1.PmemNode} (per node: desired pools written by the
 * operator, observed state written by the node agent). The CRDs are generated from these classes;
 * the {@code @JsonPropertyDescription} texts are what {@code kubectl explain} shows.
 */
package io.daxtier.api.v1alpha1;
