/**
 * The rules of the API, once: which devices a pool's selector picks, the order pools take, quantity
 * and duration parsing, the API defaults and spec validation. Both the agent and the operator call
 * these (pure, no I/O); neither restates them.
 */
package io.daxtier.api.rules;
