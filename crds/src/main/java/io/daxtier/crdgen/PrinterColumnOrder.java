package io.daxtier.crdgen;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Build step after Fabric8's CRD generator (crds/pom.xml, process-classes): puts each CRD's
 * additionalPrinterColumns in the order the class declares its {@code @AdditionalPrinterColumn}s.
 * The generator sorts them by JSON path, so {@code kubectl get} would show AGE first and the rest
 * by path. Rewrites the generated YAML's lines only (the rest of the file stays byte for byte).
 *
 * <p>Usage: {@code PrinterColumnOrder <crd dir> <custom resource class>...}. Reads annotations
 * without initialising the classes (no logging, nothing else runs).
 */
public final class PrinterColumnOrder {
  private static final String KEY = "additionalPrinterColumns:";
  private static final String ITEM_NAME = "name: ";

  private PrinterColumnOrder() {}

  public static void main(String[] args) throws IOException, ClassNotFoundException {
    if (args.length < 2) {
      throw new IllegalArgumentException("usage: PrinterColumnOrder <crd dir> <class>...");
    }
    Path dir = Path.of(args[0]);
    ClassLoader loader = PrinterColumnOrder.class.getClassLoader();
    for (int i = 1; i < args.length; i++) {
      Class<?> type = Class.forName(args[i], false, loader);
      Path file = dir.resolve(crdFileName(type));
      String yaml = Files.readString(file, StandardCharsets.UTF_8);
      String ordered = reorder(yaml, declaredOrder(type));
      if (!ordered.equals(yaml)) {
        Files.writeString(file, ordered, StandardCharsets.UTF_8);
      }
    }
  }

  /** The file Fabric8's generator writes for a v1 CRD: {@code <plural>.<group>-v1.yml}. */
  static String crdFileName(Class<?> type) {
    return type.getAnnotation(Plural.class).value()
        + "."
        + type.getAnnotation(Group.class).value()
        + "-v1.yml";
  }

  /** Column names in declaration order. */
  public static List<String> declaredOrder(Class<?> type) {
    List<String> names = new ArrayList<>();
    for (AdditionalPrinterColumn c : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
      names.add(c.name());
    }
    return names;
  }

  /**
   * Reorders every additionalPrinterColumns list in {@code yaml} to {@code order} (column names).
   * Fails if a list holds a column missing from {@code order} or the other way round.
   */
  static String reorder(String yaml, List<String> order) {
    if (order.isEmpty()) {
      return yaml;
    }
    boolean trailingNewline = yaml.endsWith("\n");
    List<String> lines = new ArrayList<>(List.of(yaml.split("\n", -1)));
    if (trailingNewline) {
      lines.remove(lines.size() - 1);
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      out.add(line);
      i++;
      if (!line.strip().equals(KEY) && !line.strip().equals("- " + KEY)) {
        continue;
      }
      if (i >= lines.size() || !lines.get(i).stripLeading().startsWith("- ")) {
        continue;
      }
      int dash = indent(lines.get(i));
      Map<String, List<String>> items = new LinkedHashMap<>();
      while (i < lines.size()
          && indent(lines.get(i)) == dash
          && lines.get(i).stripLeading().startsWith("- ")) {
        List<String> item = new ArrayList<>();
        item.add(lines.get(i));
        i++;
        while (i < lines.size() && indent(lines.get(i)) > dash) {
          item.add(lines.get(i));
          i++;
        }
        items.put(nameOf(item), item);
      }
      if (!items.keySet().equals(new HashSet<>(order)) || items.size() != order.size()) {
        throw new IllegalStateException(
            "printer columns " + items.keySet() + " differ from the declared " + order);
      }
      for (String name : order) {
        out.addAll(items.get(name));
      }
    }
    return String.join("\n", out) + (trailingNewline ? "\n" : "");
  }

  private static String nameOf(List<String> item) {
    for (String l : item) {
      String s = l.strip();
      if (s.startsWith("- ")) {
        s = s.substring(2);
      }
      if (s.startsWith(ITEM_NAME)) {
        String v = s.substring(ITEM_NAME.length()).strip();
        return v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
      }
    }
    throw new IllegalStateException("printer column without a name: " + item);
  }

  private static int indent(String line) {
    int n = 0;
    while (n < line.length() && line.charAt(n) == ' ') {
      n++;
    }
    return n;
  }
}
