package io.daxtier.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The objects {@code helm template} renders from the chart, parsed with Fabric8. */
final class RenderedChart {
  static final Path CHART = Path.of(System.getProperty("daxtier.chart", "daxtier"));
  static final String RELEASE = "dt";
  static final String NAMESPACE = "daxtier-system";

  /** The Kubernetes version the tests render for unless they name one. */
  static final String KUBE_VERSION = "1.31.0";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final List<HasMetadata> objects;

  private RenderedChart(List<HasMetadata> objects) {
    this.objects = objects;
  }

  /** Renders with the given {@code --set} values (empty: the chart defaults). */
  static RenderedChart render(Map<String, String> values) {
    return render(KUBE_VERSION, values);
  }

  /** Renders for the given Kubernetes version ({@code --kube-version}). */
  static RenderedChart render(String kubeVersion, Map<String, String> values) {
    TemplateCommand template =
        new Helm(CHART)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(kubeVersion);
    values.forEach(template::set);
    String yaml = template.call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        objects.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
      }
    }
    return new RenderedChart(objects);
  }

  List<HasMetadata> all() {
    return objects;
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    return all(type).stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException(type.getSimpleName() + " " + name));
  }

  boolean hasKind(String kind) {
    return objects.stream().anyMatch(o -> o.getKind().equals(kind));
  }
}
