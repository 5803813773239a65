package dev.skiff.testing.kubernetes;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container entrypoint driven by its arguments, one action each: {@code print:TEXT}, {@code
 * err:TEXT} (stderr), {@code env:NAME} (prints NAME=value), {@code pwd}, {@code args} (prints all
 * arguments), {@code sleep:MILLIS}, {@code wait-file:PATH} (until it exists), {@code exit:CODE}.
 */
public final class ScriptMain {
  private ScriptMain() {}

  public static void main(String[] args) throws Exception {
    for (String arg : args) {
      int colon = arg.indexOf(':');
      String action = colon < 0 ? arg : arg.substring(0, colon);
      String value = colon < 0 ? "" : arg.substring(colon + 1);
      switch (action) {
        case "print" -> System.out.println(value);
        case "err" -> System.err.println(value);
        case "env" -> System.out.println(value + "=" + System.getenv(value));
        case "pwd" -> System.out.println("pwd=" + Path.of("").toAbsolutePath());
        case "args" -> System.out.println("args=" + String.join(" ", args));
        case "sleep" -> Thread.sleep(Long.parseLong(value));
        case "wait-file" -> {
          Path path = Path.of(value);
          while (!Files.exists(path)) {
            Thread.sleep(10);
          }
        }
        case "exit" -> {
          System.out.flush();
          System.exit(Integer.parseInt(value));
        }
        default -> throw new IllegalArgumentException("unknown action " + arg);
      }
    }
  }
}
