package dev.skiff.cli.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --KEY=VALUE} arguments of commands that take free configuration keys (component and
 * secret commands). Keys are kept as typed; a {@code --KEY} without {@code =} is allowed only where
 * the command reads its value another way.
 */
final class KeyValues {
  private KeyValues() {}

  /** A parsed argument: {@code value} is null for a bare {@code --KEY}. */
  record Arg(String key, String value) {}

  static List<Arg> parse(List<String> args, boolean allowBare, String usage) {
    List<Arg> out = new ArrayList<>();
    for (String a : args) {
      if (!a.startsWith("--") || a.length() == 2 || a.charAt(2) == '=') {
        throw new IllegalArgumentException("unexpected argument '" + a + "': " + usage);
      }
      int eq = a.indexOf('=');
      if (eq < 0 && !allowBare) {
        throw new IllegalArgumentException(
            "'" + a + "' has no value: write " + a + "=VALUE (with '=')");
      }
      out.add(
          eq < 0
              ? new Arg(a.substring(2), null)
              : new Arg(a.substring(2, eq), a.substring(eq + 1)));
    }
    return out;
  }

  /** {@code --KEY=VALUE} arguments as a map; a key given twice is an error. */
  static Map<String, String> map(List<String> args, String usage) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Arg a : parse(args, false, usage)) {
      if (values.put(a.key(), a.value()) != null) {
        throw new IllegalArgumentException("--" + a.key() + " is given twice");
      }
    }
    return values;
  }
}
