package io.daxtier.agent.kernel.sim;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The file tree (sysfs, procfs, devfs) rendered from the model, kept until the model changes, and
 * the path walk over it (symlinks followed). Not thread-safe: see {@link SimulatedKernel}.
 */
final class SysfsTree {
  sealed interface Entry permits FileEntry, DirEntry, LinkEntry {}

  record FileEntry(String content) implements Entry {}

  record DirEntry() implements Entry {}

  record LinkEntry(String target) implements Entry {}

  private final Consumer<Builder> render;
  private TreeMap<String, Entry> entries;

  /** A tree {@code render} fills in from the model whenever it was invalidated. */
  SysfsTree(Consumer<Builder> render) {
    this.render = render;
  }

  /** The model changed: render again on the next read. */
  void invalidate() {
    entries = null;
  }

  TreeMap<String, Entry> entries() {
    if (entries == null) {
      Builder b = new Builder();
      render.accept(b);
      entries = b.entries;
    }
    return entries;
  }

  Optional<String> read(String path) {
    Entry e = entries().get(resolve(path));
    return e instanceof FileEntry f ? Optional.of(f.content()) : Optional.empty();
  }

  List<String> list(String dir) {
    String resolved = resolve(dir);
    if (!(entries().get(resolved) instanceof DirEntry)) {
      return List.of();
    }
    String prefix = resolved + "/";
    Set<String> names = new TreeSet<>();
    for (String k : entries().subMap(prefix, prefix + Character.MAX_VALUE).keySet()) {
      String rest = k.substring(prefix.length());
      int slash = rest.indexOf('/');
      names.add(slash < 0 ? rest : rest.substring(0, slash));
    }
    return List.copyOf(names);
  }

  Optional<String> readlink(String path) {
    Entry e = entries().get(resolve(parentOf(path)) + "/" + nameOf(path));
    return e instanceof LinkEntry l ? Optional.of(l.target()) : Optional.empty();
  }

  boolean exists(String path) {
    return entries().containsKey(resolve(parentOf(path)) + "/" + nameOf(path));
  }

  /** The path with every symlink on it followed (at most 8 hops each). */
  String resolve(String path) {
    String[] parts = path.split("/");
    String cur = "";
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].isEmpty()) {
        continue;
      }
      String next = cur + "/" + parts[i];
      Entry e = entries().get(next);
      int hops = 0;
      while (e instanceof LinkEntry l && hops++ < 8) {
        next = l.target();
        e = entries().get(next);
      }
      cur = next;
    }
    return cur.isEmpty() ? "/" : cur;
  }

  static String parentOf(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }

  static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Builds the path map, creating parent directories. */
  static final class Builder {
    final TreeMap<String, Entry> entries = new TreeMap<>();

    void dir(String path) {
      String p = path;
      while (!p.isEmpty() && !p.equals("/")) {
        entries.putIfAbsent(p, new DirEntry());
        p = parentOf(p);
      }
    }

    void file(String path, String content) {
      dir(parentOf(path));
      entries.put(path, new FileEntry(content));
    }

    void link(String path, String target) {
      dir(parentOf(path));
      entries.put(path, new LinkEntry(target));
    }
  }
}
