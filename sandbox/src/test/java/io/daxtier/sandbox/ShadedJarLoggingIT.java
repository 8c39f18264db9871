package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * One logging backend per jar: each shaded jar (built by the reactor before this module's
 * integration-test phase) carries exactly one SLF4J provider, and this module's test class path
 * too. Two providers make SLF4J print "multiple SLF4J providers" at every start.
 */
class ShadedJarLoggingIT {
  private static final Path REPO = Path.of(System.getProperty("daxtier.repo", ".."));
  private static final String SERVICES =
      "META-INF/services/" + SLF4JServiceProvider.class.getName();
  private static final String LOGBACK = "ch.qos.logback.classic.spi.LogbackServiceProvider";
  private static final String SIMPLE = "org.slf4j.simple.SimpleServiceProvider";

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "device-plugin/target/daxtier-agent.jar, " + SIMPLE,
    "operator/target/daxtier-operator.jar, " + LOGBACK,
    "sandbox/target/daxtier-sandbox.jar, " + LOGBACK
  })
  void shadedJarHasExactlyOneSlf4jProvider(String jar, String provider) throws IOException {
    Path file = REPO.resolve(jar);
    assertThat(file).as("built by mvn package").isRegularFile();
    try (JarFile j = new JarFile(file.toFile())) {
      ZipEntry services = j.getEntry(SERVICES);
      assertThat(services).as("%s in %s", SERVICES, jar).isNotNull();
      List<String> providers;
      try (InputStream in = j.getInputStream(services)) {
        providers =
            new String(in.readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
      }
      assertThat(providers).as("SLF4J providers in %s", jar).containsExactly(provider);
      String other = provider.equals(LOGBACK) ? SIMPLE : LOGBACK;
      assertThat(j.getEntry(other.replace('.', '/') + ".class"))
          .as("%s must not carry %s", jar, other)
          .isNull();
      assertThat(j.getEntry("org/slf4j/impl/StaticLoggerBinder.class"))
          .as("an SLF4J 1.x binding in %s", jar)
          .isNull();
    }
  }

  @Test
  void testClassPathHasExactlyOneSlf4jProvider() {
    assertThat(ServiceLoader.load(SLF4JServiceProvider.class).stream().map(p -> p.type().getName()))
        .containsExactly(LOGBACK);
  }
}
