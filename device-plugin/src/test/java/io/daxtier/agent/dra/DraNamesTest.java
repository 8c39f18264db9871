package io.daxtier.agent.dra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DraNamesTest {

  @Test
  void plainPoolNamesAreKeptReadable() {
    assertEquals("ram-basic-n2", DraNames.systemRamDevice("basic", 2));
    assertEquals("dax1-0", DraNames.devDaxDevice("/dev/dax1.0"));
    assertEquals(Optional.of("/dev/dax12.3"), DraNames.devDaxPath("dax12-3"));
    assertEquals(Optional.empty(), DraNames.devDaxPath("ram-basic-n2"));
  }

  @Test
  void poolNamesThatAreNoLabelGetAHashSoTheyStayDistinct() {
    String dotted = DraNames.systemRamDevice("tier.cxl", 1);
    String dashed = DraNames.systemRamDevice("tier-cxl", 1);
    assertTrue(DraNames.isDeviceName(dotted), dotted);
    assertNotEquals(dotted, dashed);
    assertTrue(dotted.startsWith("ram-tier-cxl-") && dotted.endsWith("-n1"), dotted);
  }

  @Test
  void refusesWhatIsNoDevice() {
    assertThrows(IllegalArgumentException.class, () -> DraNames.devDaxDevice("/dev/pmem0"));
    assertThrows(IllegalArgumentException.class, () -> DraNames.systemRamDevice("p", -1));
    assertFalse(DraNames.isDeviceName("Ram-1"));
  }

  @Test
  void everyPoolNameGivesAValidStableDeviceName() {
    Random random = new Random(5517);
    String alphabet = "abcxyz019.-_AZ/é ";
    for (int i = 0; i < 5_000; i++) {
      StringBuilder pool = new StringBuilder();
      int length = 1 + random.nextInt(253);
      for (int c = 0; c < length; c++) {
        pool.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      int node = random.nextInt(4096);
      String name = DraNames.systemRamDevice(pool.toString(), node);
      assertTrue(DraNames.isDeviceName(name), pool + " -> " + name);
      assertEquals(name, DraNames.systemRamDevice(pool.toString(), node));
      assertTrue(name.endsWith("-n" + node), name);
    }
  }
}
