package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI v2 document: the daxtier kinds' definitions are the v3 schemas converted (same
 * fields, same descriptions), the core kinds are described, and the protobuf client-go asks for is
 * served beside JSON.
 */
class OpenApiV2Test {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  static EmbeddedApiServer api;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    api = EmbeddedApiServer.start(0);
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyDaxtierKindIsTheV3SchemaConverted() throws Exception {
    Map<String, Object> v3 = getJson(OpenApi.GROUP_VERSION_PATH);
    Map<String, Object> v2 = getJson(OpenApiV2.PATH);
    Map<String, Object> schemas =
        (Map<String, Object>) ((Map<String, Object>) v3.get("components")).get("schemas");
    Map<String, Object> definitions = (Map<String, Object>) v2.get("definitions");
    assertThat(schemas)
        .containsKeys("io.daxtier.v1alpha1.PmemPool", "io.daxtier.v1alpha1.PmemNode");
    schemas.forEach(
        (name, schema) -> {
          assertThat(definitions).as(name).containsKey(name);
          Map<String, Object> definition = (Map<String, Object>) definitions.get(name);
          assertThat(definition).as(name).isEqualTo(OpenApiV2.toV2((Map<String, Object>) schema));
          assertThat(definition.get("x-kubernetes-group-version-kind"))
              .isEqualTo(((Map<String, Object>) schema).get("x-kubernetes-group-version-kind"));
          Map<String, Object> v3Fields = new TreeMap<>();
          Map<String, Object> v2Fields = new TreeMap<>();
          fields("", (Map<String, Object>) schema, v3Fields);
          fields("", definition, v2Fields);
          assertThat(v2Fields).as(name).isEqualTo(v3Fields);
        });
    Map<String, Object> poolFields = new TreeMap<>();
    fields("", (Map<String, Object>) definitions.get("io.daxtier.v1alpha1.PmemPool"), poolFields);
    assertThat(poolFields).containsKey(".spec.policy").containsKey(".status.phase");
  }

  @Test
  @SuppressWarnings("unchecked")
  void coreKindsAreDescribed() throws Exception {
    Map<String, Object> definitions =
        (Map<String, Object>) getJson(OpenApiV2.PATH).get("definitions");
    for (String kind :
        List.of(
            "io.k8s.api.core.v1.Node",
            "io.k8s.api.core.v1.Pod",
            "io.k8s.api.core.v1.Event",
            "io.k8s.api.core.v1.Namespace",
            "io.k8s.api.coordination.v1.Lease")) {
      Map<String, Object> schema = (Map<String, Object>) definitions.get(kind);
      assertThat(schema)
          .as(kind)
          .containsKeys("description", "properties", "x-kubernetes-group-version-kind");
      assertThat((Map<String, Object>) schema.get("properties"))
          .containsKeys("apiVersion", "kind", "metadata");
    }
    // every description names a definition or one of its fields: none can rot silently
    for (String key : CoreSchemas.describedKeys()) {
      if (key.startsWith("*.")) {
        continue;
      }
      String type = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
      Map<String, Object> definition =
          definitions.entrySet().stream()
              .filter(e -> e.getKey().endsWith("." + type))
              .map(e -> (Map<String, Object>) e.getValue())
              .findFirst()
              .orElse(null);
      assertThat(definition).as(key).isNotNull();
      if (key.contains(".")) {
        String field = key.substring(key.indexOf('.') + 1);
        assertThat((Map<String, Object>) definition.get("properties")).as(key).containsKey(field);
      }
    }
  }

  @Test
  void servesProtobufToClientGoAndJsonOtherwise() throws Exception {
    HttpResponse<byte[]> proto =
        get(OpenApiV2.PATH, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
    assertThat(proto.statusCode()).isEqualTo(200);
    assertThat(proto.headers().firstValue("Content-Type")).hasValue(OpenApiV2.PROTOBUF);
    // field 1 (swagger), length 3, "2.0"
    assertThat(new String(proto.body(), 0, 5, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("\n\u00032.0");
    HttpResponse<byte[]> json = get(OpenApiV2.PATH, "application/json");
    assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(JSON.readValue(json.body(), MAP)).containsEntry("swagger", "2.0");
  }

  /**
   * What client-go's v2 query-parameter check reads from the protobuf: the pool path's PATCH
   * operation, its query parameters ({@code ParametersItem > Parameter > NonBodyParameter >
   * QueryParameterSubSchema}) and its {@code x-kubernetes-group-version-kind} extension.
   */
  @Test
  void theProtobufCarriesTheOperationsQueryParameters() throws Exception {
    byte[] doc =
        get(OpenApiV2.PATH, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf").body();
    byte[] paths = fields(doc).get(8).get(0);
    byte[] item =
        fields(paths).get(2).stream()
            .filter(
                p ->
                    utf8(fields(p).get(1).get(0))
                        .equals("/apis/daxtier.io/v1alpha1/pmempools/{name}"))
            .map(p -> fields(p).get(2).get(0))
            .findFirst()
            .orElseThrow();
    byte[] patch = fields(item).get(8).get(0);
    assertThat(utf8(fields(patch).get(5).get(0))).isEqualTo("patchPmemPool");
    List<String> names =
        fields(patch).get(8).stream()
            .map(p -> fields(p).get(1).get(0)) // Parameter
            .map(p -> fields(p).get(2).get(0)) // NonBodyParameter
            .map(p -> fields(p).get(3).get(0)) // QueryParameterSubSchema
            .map(p -> utf8(fields(p).get(4).get(0)))
            .toList();
    assertThat(names).contains("fieldValidation", "dryRun", "fieldManager");
    List<String> extensions =
        fields(patch).get(13).stream().map(e -> utf8(fields(e).get(1).get(0))).toList();
    assertThat(extensions).contains("x-kubernetes-group-version-kind", "x-kubernetes-action");
  }

  /** A protobuf message's length-delimited fields by number (varints and fixed64 skipped). */
  private static Map<Integer, List<byte[]>> fields(byte[] message) {
    Map<Integer, List<byte[]>> out = new TreeMap<>();
    int[] pos = {0};
    while (pos[0] < message.length) {
      long tag = varint(message, pos);
      int wireType = (int) (tag & 7);
      int field = (int) (tag >>> 3);
      switch (wireType) {
        case 0 -> varint(message, pos);
        case 1 -> pos[0] += 8;
        case 2 -> {
          int length = (int) varint(message, pos);
          out.computeIfAbsent(field, f -> new java.util.ArrayList<>())
              .add(java.util.Arrays.copyOfRange(message, pos[0], pos[0] + length));
          pos[0] += length;
        }
        default -> throw new IllegalStateException("wire type " + wireType);
      }
    }
    return out;
  }

  private static long varint(byte[] b, int[] pos) {
    long value = 0;
    for (int shift = 0; ; shift += 7) {
      byte next = b[pos[0]++];
      value |= (long) (next & 0x7f) << shift;
      if (next >= 0) {
        return value;
      }
    }
  }

  private static String utf8(byte[] b) {
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Every field path ({@code .spec.policy}) to its description (or "" when it has none). */
  @SuppressWarnings("unchecked")
  private static void fields(String path, Map<String, Object> schema, Map<String, Object> out) {
    if (schema.get("properties") instanceof Map<?, ?> properties) {
      ((Map<String, Object>) properties)
          .forEach(
              (name, p) -> {
                Map<String, Object> field = (Map<String, Object>) p;
                out.put(path + "." + name, field.getOrDefault("description", ""));
                fields(path + "." + name, field, out);
              });
    }
    if (schema.get("items") instanceof Map<?, ?> items) {
      fields(path + "[]", (Map<String, Object>) items, out);
    }
    if (schema.get("additionalProperties") instanceof Map<?, ?> additional) {
      fields(path + "{}", (Map<String, Object>) additional, out);
    }
  }

  private static Map<String, Object> getJson(String path) throws Exception {
    return JSON.readValue(get(path, "application/json").body(), MAP);
  }

  private static HttpResponse<byte[]> get(String path, String accept) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(api.url() + path)).header("Accept", accept).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
