package io.daxtier.agent.model;

import java.util.function.Function;

/**
 * The result of parsing one kernel attribute: its value, or why the text is not one. Parsers of
 * kernel text return this instead of throwing, so one bad attribute can be reported on its object
 * while the rest of the node is still read.
 */
public sealed interface Parsed<T> {

  /** A well-formed value. */
  record Ok<T>(T value) implements Parsed<T> {}

  /** A malformed attribute. */
  record Bad<T>(Malformed malformed) implements Parsed<T> {}

  static <T> Parsed<T> ok(T value) {
    return new Ok<>(value);
  }

  static <T> Parsed<T> bad(String path, String value, String problem) {
    return new Bad<>(new Malformed(path, value, problem));
  }

  default boolean isOk() {
    return this instanceof Ok;
  }

  /** The value, or {@code other} when malformed. */
  default T orElse(T other) {
    return this instanceof Ok<T> ok ? ok.value() : other;
  }

  /** The problem, or null when well-formed. */
  default Malformed malformed() {
    return this instanceof Bad<T> bad ? bad.malformed() : null;
  }

  default <U> Parsed<U> map(Function<? super T, ? extends U> f) {
    return this instanceof Ok<T> ok ? new Ok<>(f.apply(ok.value())) : new Bad<>(malformed());
  }
}
