package io.daxtier.agent.reconcile;

/** Node descriptions shared by tests in several packages. */
public final class SafetyTestNodes {
  public static final String CLASS_MODEL = SafetyTest.classModelNode();

  private SafetyTestNodes() {}
}
