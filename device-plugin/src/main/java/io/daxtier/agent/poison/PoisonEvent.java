package io.daxtier.agent.poison;

import io.daxtier.agent.model.AddressRange;
import io.daxtier.api.v1alpha1.PoisonAction;

/** New poison found in onlined memory and what was done about it. */
public record PoisonEvent(
    String device,
    String pool,
    PoisonAction action,
    AddressRange range,
    long pages,
    String result) {}
