package io.daxtier.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.Api;
import io.daxtier.api.v1alpha1.EncryptionPolicy;
import io.daxtier.api.v1alpha1.MemoryType;
import io.daxtier.api.v1alpha1.PmemPoolSpec;
import io.daxtier.api.v1alpha1.PoisonAction;
import io.daxtier.api.v1alpha1.PoolMode;
import io.daxtier.api.v1alpha1.ProvisionSpec;
import io.daxtier.api.v1alpha1.RecoverabilityPolicy;
import io.daxtier.api.v1alpha1.ReleaseAction;
import io.daxtier.api.v1alpha1.ReleaseSpec;
import io.daxtier.api.v1alpha1.ScrubMode;
import io.daxtier.api.v1alpha1.TopologyMode;
import io.daxtier.api.v1alpha1.Zone;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The defaults-applied view fills every API default and leaves what the API leaves absent. */
class PoolDefaultsTest {

  /** A spec as a client that never heard of the defaults would send it: every field null. */
  static PmemPoolSpec bare() {
    PmemPoolSpec s = new PmemPoolSpec();
    s.devices = null;
    s.mode = null;
    s.policy = null;
    s.resource = null;
    s.release = null;
    return s;
  }

  @Test
  void everyDefaultOfANullSpec() {
    for (PmemPoolSpec in : new PmemPoolSpec[] {null, bare()}) {
      PmemPoolSpec e = PoolDefaults.apply(in);
      assertThat(e.nodeSelector).isNull();
      assertThat(e.mode).isEqualTo(PoolMode.SystemRam);
      assertThat(e.devices.daxDevices).isNull();
      assertThat(e.devices.regions).isNull();
      assertThat(e.devices.memoryType).isEqualTo(MemoryType.ANY);
      assertThat(e.devices.minSize).isNull();
      assertThat(e.devices.provision).isNull();
      assertThat(e.online.zone).isEqualTo(Zone.Movable);
      assertThat(e.tiering.demotion).isFalse();
      assertThat(e.policy.encryption).isEqualTo(EncryptionPolicy.Preferred);
      assertThat(e.policy.recoverability).isEqualTo(RecoverabilityPolicy.Preferred);
      assertThat(e.policy.scrub.beforeOnline).isEqualTo(ScrubMode.IfSupported);
      assertThat(e.policy.scrub.maxAge).isEqualTo("24h");
      assertThat(e.policy.scrub.clearErrors).isTrue();
      assertThat(e.policy.scrub.maxBadBlocks).isZero();
      assertThat(e.policy.poison.onNewPoison).isEqualTo(PoisonAction.RetirePages);
      assertThat(e.resource.name).isEqualTo(Api.DEFAULT_RESOURCE_NAME);
      assertThat(e.resource.unit).isEqualTo(Api.DEFAULT_RESOURCE_UNIT);
      assertThat(e.resource.topology).isEqualTo(TopologyMode.NumaNode);
      assertThat(e.release.action).isEqualTo(ReleaseAction.Keep);
      assertThat(e.release.confirmErase).isNull();
      assertThat(e.release.maxUnavailable).isEqualTo(1);
      assertThat(e.release.drainTimeout).isEqualTo("10m");
      assertThat(PoolRules.problems(e)).isEmpty();
    }
  }

  @Test
  void theDefaultsAreTheClassInitialisersAndTheCrdDefaults() {
    PmemPoolSpec fresh = new PmemPoolSpec();
    PmemPoolSpec e = PoolDefaults.apply(bare());
    assertThat(e.policy.scrub.maxAge).isEqualTo(fresh.policy.scrub.maxAge);
    assertThat(e.release.drainTimeout).isEqualTo(fresh.release.drainTimeout);
    assertThat(e.resource.unit).isEqualTo(fresh.resource.unit);
    assertThat(new ProvisionSpec().align).isEqualTo(PoolDefaults.PROVISION_ALIGN);
    assertThat(new ReleaseSpec().drainTimeout).isEqualTo(PoolDefaults.DRAIN_TIMEOUT);
  }

  @Test
  void keepsWhatIsSetAndDoesNotChangeItsInput() {
    PmemPoolSpec s = bare();
    s.mode = PoolMode.DevDax;
    s.release = new ReleaseSpec();
    s.release.action = ReleaseAction.Erase;
    s.release.confirmErase = true;
    s.release.drainTimeout = null;
    PmemPoolSpec e = PoolDefaults.apply(s);
    assertThat(e.mode).isEqualTo(PoolMode.DevDax);
    assertThat(e.online).as("not on a DevDax pool").isNull();
    assertThat(e.tiering).isNull();
    assertThat(e.release.action).isEqualTo(ReleaseAction.Erase);
    assertThat(e.release.confirmErase).isTrue();
    assertThat(e.release.drainTimeout).isEqualTo("10m");
    assertThat(s.release.drainTimeout).isNull();
    assertThat(s.policy).isNull();
  }

  @Test
  void provisionDefaultsOnlyWhenAskedFor() {
    PmemPoolSpec s = new PmemPoolSpec();
    s.devices.provision = new ProvisionSpec();
    s.devices.provision.enabled = null;
    s.devices.provision.align = null;
    s.devices.regions = List.of();
    PmemPoolSpec e = PoolDefaults.apply(s);
    assertThat(e.devices.provision.enabled).isTrue();
    assertThat(e.devices.provision.align).isEqualTo("2Mi");
    assertThat(e.devices.regions).isEmpty();
  }

  @Test
  void anUnconfirmedEraseIsAProblem() {
    PmemPoolSpec s = new PmemPoolSpec();
    s.release.action = ReleaseAction.Erase;
    assertThat(PoolRules.problems("p", s)).containsExactly(PoolRules.ERASE_UNCONFIRMED);
    assertThat(PoolRules.problems("P_bad", new PmemPoolSpec())).hasSize(1);
  }
}
