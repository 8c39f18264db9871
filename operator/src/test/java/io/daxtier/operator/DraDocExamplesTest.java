package io.daxtier.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.daxtier.api.v1alpha1.PmemPool;
import io.daxtier.api.v1alpha1.ResourceApi;
import io.daxtier.operator.render.DeviceClassRenderer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.resource.v1.DeviceClass;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaim;
import io.fabric8.kubernetes.api.model.resource.v1.ResourceClaimTemplate;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The YAML examples of docs/dra.md are valid resource.k8s.io/v1 (and core v1) objects: each parses
 * into Fabric8's typed model with no field the model does not know (a misspelt field would land in
 * additionalProperties), and the DeviceClass shown is the one the operator renders.
 */
class DraDocExamplesTest {
  private static final Path DOC = Path.of("..", "docs", "dra.md");
  private static final Pattern YAML = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static List<HasMetadata> examples() throws IOException {
    Matcher m = YAML.matcher(Files.readString(DOC));
    List<HasMetadata> out = new ArrayList<>();
    while (m.find()) {
      for (String doc : m.group(1).split("(?m)^---\\s*$")) {
        out.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
      }
    }
    return out;
  }

  @Test
  void everyExampleIsATypedObjectWithOnlyKnownFields() throws Exception {
    List<HasMetadata> all = examples();
    assertThat(all)
        .extracting(o -> o.getClass().getSimpleName())
        .containsExactly(
            "DeviceClass",
            "ResourceClaimTemplate",
            "Pod",
            "ResourceClaim",
            "Pod",
            "Pod",
            "ResourceSlice",
            "ResourceClaim");
    for (HasMetadata o : all) {
      assertThat(o).isNotInstanceOf(GenericKubernetesResource.class);
      List<String> unknown = new ArrayList<>();
      unknownFields(o, o.getKind(), unknown);
      assertThat(unknown).as(o.getKind() + " " + o.getMetadata().getName()).isEmpty();
    }
    ResourceClaimTemplate t = (ResourceClaimTemplate) all.get(1);
    assertThat(
            t.getSpec()
                .getSpec()
                .getDevices()
                .getRequests()
                .get(0)
                .getExactly()
                .getCapacity()
                .getRequests())
        .containsKey("memory");
    ResourceClaim c = (ResourceClaim) all.get(3);
    assertThat(c.getSpec().getDevices().getRequests().get(0).getExactly().getDeviceClassName())
        .endsWith(".memory.daxtier.io");
    Pod legacy = (Pod) all.get(5);
    assertThat(legacy.getSpec().getContainers().get(0).getResources().getRequests())
        .containsKey("daxtier.io/cxl");
  }

  @Test
  void theDeviceClassShownIsTheOneTheOperatorRenders() throws Exception {
    DeviceClass shown = (DeviceClass) examples().get(0);
    PmemPool pool = new PmemPool();
    pool.setMetadata(
        new ObjectMetaBuilder()
            .withName("cxl")
            .withUid(shown.getMetadata().getOwnerReferences().get(0).getUid())
            .build());
    pool.getSpec().resource.api = ResourceApi.DRA;
    pool.getSpec().resource.name = "daxtier.io/cxl";
    DeviceClass rendered = DeviceClassRenderer.desired(pool).orElseThrow();
    assertThat(DeviceClassRenderer.same(shown, rendered)).isTrue();
    assertThat(shown.getMetadata().getName()).isEqualTo(rendered.getMetadata().getName());
  }

  /** Collects the paths of fields the model did not know, walking the model's getters. */
  private static void unknownFields(Object o, String path, List<String> unknown) throws Exception {
    if (o == null || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      if (o instanceof Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
          unknownFields(e.getValue(), path + "[" + e.getKey() + "]", unknown);
        }
      } else if (o instanceof Collection<?> list) {
        int i = 0;
        for (Object item : list) {
          unknownFields(item, path + "[" + i++ + "]", unknown);
        }
      }
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value = m.invoke(o);
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + " " + extra.keySet());
        }
        continue;
      }
      unknownFields(value, path + "." + m.getName().substring(3), unknown);
    }
  }
}
