package io.daxtier.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.daxtier.testkit.mock.NodeNameFieldSelector;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The CRUD mock's dispatcher with its store indexed by object name.
 *
 * <p>The stock dispatcher answers every create, patch and update by scanning the whole store for
 * the object (an attribute-set match per stored object) while it holds the store's write lock, so
 * writing N objects costs O(N²) and runs on one thread: at 5,000 nodes that is most of the server's
 * CPU. Here a lookup by name ({@code findResource} with an equality on {@code name}, which is what
 * those handlers ask) reads an index from the name to the stored keys and checks only those against
 * the query; every other query still scans.
 *
 * <p>The index follows the store through {@link #processEvent}, the one place the stock dispatcher
 * changes it (create, update, patch, delete and finalizer-delayed delete), and {@link #reset}. The
 * key it stores is recomputed here the way the stock dispatcher computes it; if the store ever
 * holds a key the index did not predict (a different mock version), the index switches itself off
 * and every lookup scans again, so a lookup never misses an object the store has.
 *
 * <p>It also answers pod lists with the field selector {@code spec.nodeName}, which the stock
 * dispatcher silently answers with no items ({@link NodeNameFieldSelector}).
 */
class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private static final String NAME = KubernetesAttributesExtractor.NAME;
  private static final String PLURAL = KubernetesAttributesExtractor.PLURAL;

  /** The {@code name} attribute of each stored key to the stored keys that carry it. */
  private final Map<Attribute, Set<AttributeSet>> byName = new ConcurrentHashMap<>();

  private volatile boolean indexValid = true;

  /** Every change of the store, for the HTTP watches of {@link KubectlFront}. */
  final WatchHub watches = new WatchHub();

  private static final Pattern EVENT_LIST = Pattern.compile("^/api/v1/(namespaces/[^/]+/)?events$");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether lookups still use the index (false once it failed to follow the store). */
  boolean indexed() {
    return indexValid;
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    Attribute name = query.getAttribute(NAME);
    if (!indexValid || name == null || name.getType() != AttributeType.WITH) {
      return super.findResource(query);
    }
    Set<AttributeSet> candidates = byName.get(name);
    if (candidates == null) {
      return null;
    }
    for (AttributeSet key : candidates) {
      String value = map.get(key);
      if (value != null && key.matches(query)) {
        return new AbstractMap.SimpleImmutableEntry<>(key, value);
      }
    }
    return null;
  }

  /**
   * Pod lists also honour {@code spec.nodeName=<node>} (see {@link NodeNameFieldSelector}); Event
   * lists honour any field selector on the whole object ({@code involvedObject.kind}, {@code
   * .name}, {@code .namespace}, {@code .uid}: what {@code kubectl describe} asks), which the stock
   * dispatcher answers with no items.
   */
  @Override
  public MockResponse handleGet(String path) {
    int q = path.indexOf('?');
    String selector = Selectors.param(path, "fieldSelector");
    if (q > 0 && selector != null && EVENT_LIST.matcher(path.substring(0, q)).matches()) {
      MockResponse response = super.handleGet(Selectors.without(path, "fieldSelector"));
      if (response.code() != 200) {
        return response;
      }
      return response.setBody(filterItems(response.getBody().readUtf8(), selector));
    }
    return NodeNameFieldSelector.get(path, super::handleGet);
  }

  private static String filterItems(String body, String selector) {
    try {
      JsonNode list = JSON.readTree(body);
      if (!(list instanceof ObjectNode doc) || !(list.get("items") instanceof ArrayNode items)) {
        return body;
      }
      ArrayNode kept = JSON.createArrayNode();
      for (JsonNode item : items) {
        @SuppressWarnings("unchecked")
        Map<String, Object> object = JSON.convertValue(item, Map.class);
        if (Selectors.fields(selector, object)) {
          kept.add(item);
        }
      }
      doc.set("items", kept);
      doc.put("kind", "EventList"); // the mock says List, which kubectl's typed client drops
      return JSON.writeValueAsString(doc);
    } catch (IOException e) {
      return body;
    }
  }

  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldKey,
      GenericKubernetesResource resource,
      String json) {
    String oldJson = oldKey == null ? null : map.get(oldKey);
    super.processEvent(path, pathAttributes, oldKey, resource, json);
    if (json != null) {
      watches.changed(oldKey == null, json);
    } else if (oldJson != null) {
      watches.deleted(oldJson, requestResourceVersion());
    }
    if (oldKey != null) {
      unindex(oldKey);
    }
    if (json != null && indexValid) {
      AttributeSet key = storedKey(pathAttributes, resource, json);
      if (key != null && map.containsKey(key)) {
        index(key);
      } else {
        indexValid = false;
        byName.clear();
      }
    }
  }

  @Override
  public void reset() {
    super.reset();
    byName.clear();
  }

  /** The key the stock {@code processEvent} stores {@code json} under. */
  private AttributeSet storedKey(
      AttributeSet pathAttributes, GenericKubernetesResource resource, String json) {
    if (!(attributeExtractor instanceof KubernetesAttributesExtractor extractor)) {
      return null;
    }
    AttributeSet key =
        resource != null ? extractor.extract(resource) : extractor.fromResource(json);
    return key.containsKey(PLURAL) ? key : AttributeSet.merge(pathAttributes, key);
  }

  private void index(AttributeSet key) {
    Attribute name = key.getAttribute(NAME);
    if (name != null) {
      byName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(key);
    }
  }

  private void unindex(AttributeSet key) {
    Attribute name = key.getAttribute(NAME);
    if (name != null) {
      byName.computeIfPresent(
          name,
          (n, keys) -> {
            keys.remove(key);
            return keys.isEmpty() ? null : keys;
          });
    }
  }
}
