package io.daxtier.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An OpenAPI v2 document (as JSON maps) in the protobuf encoding client-go reads from {@code
 * /openapi/v2}: gnostic's {@code openapi.v2.Document} ({@code openapiv2/OpenAPIv2.proto} in
 * google/gnostic-models; the field numbers below are that file's). Only what the sandbox's document
 * uses is encoded: info, paths with their operations, query and path parameters and responses, and
 * definitions with every schema keyword kube-openapi reads. Vendor extensions ({@code x-...}) carry
 * their value as YAML text (JSON is YAML), as gnostic does.
 */
final class OpenApiV2Proto {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OpenApiV2Proto() {}

  @SuppressWarnings("unchecked")
  static byte[] encode(Map<String, Object> doc) {
    Message d = new Message();
    d.string(1, (String) doc.get("swagger"));
    Map<String, Object> info = (Map<String, Object>) doc.get("info");
    d.message(
        2,
        new Message()
            .string(1, (String) info.get("title"))
            .string(2, (String) info.get("version")));
    Message paths = new Message();
    ((Map<String, Object>) doc.get("paths"))
        .forEach(
            (path, item) ->
                paths.message(
                    2,
                    new Message()
                        .string(1, path)
                        .message(2, pathItem((Map<String, Object>) item))));
    d.message(8, paths);
    Message definitions = new Message();
    ((Map<String, Object>) doc.get("definitions"))
        .forEach(
            (name, schema) ->
                definitions.message(
                    1,
                    new Message()
                        .string(1, name)
                        .message(2, schema((Map<String, Object>) schema))));
    d.message(9, definitions);
    return d.bytes();
  }

  @SuppressWarnings("unchecked")
  private static Message pathItem(Map<String, Object> item) {
    Message m = new Message();
    int[] numbers = {2, 3, 4, 5, 8};
    String[] methods = {"get", "put", "post", "delete", "patch"};
    for (int i = 0; i < methods.length; i++) {
      if (item.get(methods[i]) instanceof Map<?, ?> op) {
        m.message(numbers[i], operation((Map<String, Object>) op));
      }
    }
    parameters(m, 9, item.get("parameters"));
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Message operation(Map<String, Object> op) {
    Message m = new Message();
    m.string(5, (String) op.get("operationId"));
    parameters(m, 8, op.get("parameters"));
    if (op.get("responses") instanceof Map<?, ?> responses) {
      Message r = new Message();
      ((Map<String, Object>) responses)
          .forEach(
              (code, value) -> {
                Map<String, Object> response = (Map<String, Object>) value;
                Message resp = new Message().string(1, (String) response.get("description"));
                if (response.get("schema") instanceof Map<?, ?> schema) {
                  resp.message(2, new Message().message(1, schema((Map<String, Object>) schema)));
                }
                r.message(
                    1, new Message().string(1, code).message(2, new Message().message(1, resp)));
              });
      m.message(9, r);
    }
    extensions(m, 13, op);
    return m;
  }

  /** Query and path parameters: {@code ParametersItem > Parameter > NonBodyParameter}. */
  @SuppressWarnings("unchecked")
  private static void parameters(Message m, int field, Object list) {
    if (!(list instanceof List<?> params)) {
      return;
    }
    for (Object o : params) {
      Map<String, Object> p = (Map<String, Object>) o;
      boolean query = "query".equals(p.get("in"));
      Message sub =
          new Message()
              .bool(1, Boolean.TRUE.equals(p.get("required")))
              .string(2, (String) p.get("in"))
              .string(3, (String) p.get("description"))
              .string(4, (String) p.get("name"))
              .string(query ? 6 : 5, (String) p.get("type"))
              .bool(query ? 20 : 19, Boolean.TRUE.equals(p.get("uniqueItems")));
      Message nonBody = new Message().message(query ? 3 : 4, sub);
      m.message(field, new Message().message(1, new Message().message(2, nonBody)));
    }
  }

  /** gnostic's {@code Schema}. */
  @SuppressWarnings("unchecked")
  static Message schema(Map<String, Object> s) {
    Message m = new Message();
    m.string(1, (String) s.get("$ref"));
    m.string(2, (String) s.get("format"));
    m.string(3, (String) s.get("title"));
    m.string(4, (String) s.get("description"));
    if (s.containsKey("default")) {
      m.message(5, any(s.get("default")));
    }
    m.number(6, s.get("multipleOf"));
    m.number(7, s.get("maximum"));
    m.bool(8, Boolean.TRUE.equals(s.get("exclusiveMaximum")));
    m.number(9, s.get("minimum"));
    m.bool(10, Boolean.TRUE.equals(s.get("exclusiveMinimum")));
    m.integer(11, s.get("maxLength"));
    m.integer(12, s.get("minLength"));
    m.string(13, (String) s.get("pattern"));
    m.integer(14, s.get("maxItems"));
    m.integer(15, s.get("minItems"));
    m.bool(16, Boolean.TRUE.equals(s.get("uniqueItems")));
    m.integer(17, s.get("maxProperties"));
    m.integer(18, s.get("minProperties"));
    if (s.get("required") instanceof List<?> required) {
      required.forEach(r -> m.string(19, (String) r));
    }
    if (s.get("enum") instanceof List<?> values) {
      values.forEach(v -> m.message(20, any(v)));
    }
    Object additional = s.get("additionalProperties");
    if (additional instanceof Map<?, ?> a) {
      m.message(21, new Message().message(1, schema((Map<String, Object>) a)));
    } else if (additional instanceof Boolean b) {
      // proto3 oneof: false is written too, so the choice survives
      m.message(21, new Message().boolAlways(2, b));
    }
    if (s.get("type") instanceof String type) {
      m.message(22, new Message().string(1, type));
    }
    if (s.get("items") instanceof Map<?, ?> items) {
      m.message(23, new Message().message(1, schema((Map<String, Object>) items)));
    }
    if (s.get("properties") instanceof Map<?, ?> properties) {
      Message props = new Message();
      ((Map<String, Object>) properties)
          .forEach(
              (name, p) ->
                  props.message(
                      1,
                      new Message().string(1, name).message(2, schema((Map<String, Object>) p))));
      m.message(25, props);
    }
    m.bool(27, Boolean.TRUE.equals(s.get("readOnly")));
    if (s.containsKey("example")) {
      m.message(30, any(s.get("example")));
    }
    extensions(m, 31, s);
    return m;
  }

  private static void extensions(Message m, int field, Map<String, Object> object) {
    object.forEach(
        (key, value) -> {
          if (key.startsWith("x-")) {
            m.message(field, new Message().string(1, key).message(2, any(value)));
          }
        });
  }

  /** gnostic's {@code Any}: the value as YAML text. */
  private static Message any(Object value) {
    try {
      return new Message().string(2, JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A protobuf message being written: proto3 rules, defaults left out. */
  static final class Message {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Message string(int field, String value) {
      if (value != null && !value.isEmpty()) {
        lengthDelimited(field, value.getBytes(StandardCharsets.UTF_8));
      }
      return this;
    }

    Message message(int field, Message value) {
      lengthDelimited(field, value.bytes());
      return this;
    }

    Message bool(int field, boolean value) {
      return value ? boolAlways(field, true) : this;
    }

    Message boolAlways(int field, boolean value) {
      tag(field, 0);
      varint(value ? 1 : 0);
      return this;
    }

    Message integer(int field, Object value) {
      if (value instanceof Number n) {
        tag(field, 0);
        varint(n.longValue());
      }
      return this;
    }

    Message number(int field, Object value) {
      if (value instanceof Number n) {
        tag(field, 1);
        long bits = Double.doubleToLongBits(n.doubleValue());
        for (int i = 0; i < 8; i++) {
          out.write((int) (bits >>> (8 * i)) & 0xff);
        }
      }
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    private void lengthDelimited(int field, byte[] bytes) {
      tag(field, 2);
      varint(bytes.length);
      out.writeBytes(bytes);
    }

    private void tag(int field, int wireType) {
      varint(((long) field << 3) | wireType);
    }

    private void varint(long value) {
      long v = value;
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
  }
}
