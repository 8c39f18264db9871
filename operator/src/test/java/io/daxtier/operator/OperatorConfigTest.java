package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {
  @Test
  void defaultsUseTheDownwardApiVariables() {
    OperatorConfig c =
        OperatorConfig.fromEnvironment(Map.of("POD_NAMESPACE", "ops", "POD_NAME", "op-0"));
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.leaseNamespace()).isEqualTo("ops");
    assertThat(c.identity()).isEqualTo("op-0");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.drainPoll()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.eventNamespace()).isEqualTo("default");
  }

  @Test
  void flagsWinOverEnvironment() {
    OperatorConfig c =
        OperatorConfig.parse(
            Map.of("DAXTIER_HTTP_PORT", "9000", "DAXTIER_LEADER_ELECTION", "true"),
            List.of("--http-port=9100", "--leader-election", "false", "--drain-poll=1m30s"));
    assertThat(c.httpPort()).isEqualTo(9100);
    assertThat(c.leaderElection()).isFalse();
    assertThat(c.drainPoll()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void theLeaseDurationSetsTheRenewDeadlineAndPeriod() {
    OperatorConfig dflt = OperatorConfig.fromEnvironment(Map.of());
    assertThat(dflt.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(dflt.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(dflt.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
    OperatorConfig c = OperatorConfig.parse(Map.of(), List.of("--lease-duration=30s"));
    assertThat(c.renewDeadline()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.retryPeriod()).isEqualTo(Duration.ofSeconds(4));
    assertThat(c.withHttpPort(1).leaseDuration()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void badSettingsAreTypedErrors() {
    assertThatThrownBy(() -> OperatorConfig.parse(Map.of(), List.of("--nope=1")))
        .isInstanceOfSatisfying(
            OperatorConfig.ConfigException.class,
            e -> assertThat(e.reason()).isEqualTo("UnknownFlag"));
    assertThatThrownBy(
            () -> OperatorConfig.parse(Map.of("DAXTIER_RECONCILE_THREADS", "0"), List.of()))
        .isInstanceOfSatisfying(
            OperatorConfig.ConfigException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("InvalidValue");
              assertThat(e.setting()).isEqualTo("DAXTIER_RECONCILE_THREADS");
            });
    assertThatThrownBy(() -> OperatorConfig.parse(Map.of(), List.of("--drain-poll")))
        .isInstanceOfSatisfying(
            OperatorConfig.ConfigException.class,
            e -> assertThat(e.reason()).isEqualTo("MissingValue"));
  }
}
