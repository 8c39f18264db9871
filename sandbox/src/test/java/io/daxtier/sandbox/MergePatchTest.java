package io.daxtier.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The embedded API applies JSON merge patches as RFC 7386 says (the mock appends to arrays). */
class MergePatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  @Test
  void arraysAreReplacedNullsDeleteAndObjectsMerge() throws Exception {
    JsonNode target = json("{'status':{'devices':[{'n':'a'},{'n':'b'}],'x':1,'y':2},'spec':{}}");
    JsonNode patch = json("{'status':{'devices':[{'n':'c'}],'x':null,'z':3}}");

    JsonNode merged = DiscoveryDispatcher.mergePatch(target, patch);

    assertThat(merged).isEqualTo(json("{'status':{'devices':[{'n':'c'}],'y':2,'z':3},'spec':{}}"));
  }

  @Test
  void aPatchThatIsNotAnObjectReplacesTheTarget() throws Exception {
    assertThat(DiscoveryDispatcher.mergePatch(json("{'a':1}"), json("[1,2]")))
        .isEqualTo(json("[1,2]"));
  }
}
