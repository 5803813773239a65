package dev.skiff.testing.containers;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs inside the JRE image (java.base only, no nested classes): each argument is one operation,
 * done in order, each printing one line. {@code print:TEXT}; {@code args} prints all arguments;
 * {@code env:NAME}; {@code read:PATH} (first line, {@code missing} or {@code denied}); {@code
 * write:DIR}; {@code whoami}; {@code cwd}; {@code status:FIELD} (a line of /proc/self/status);
 * {@code ticks:N:MS}; {@code sleep:MS}; {@code alloc:MIB}; {@code stderr:TEXT}; {@code exit:CODE}.
 */
public final class Probe {
  private Probe() {}

  public static void main(String[] args) throws Exception {
    List<byte[]> kept = new ArrayList<>();
    for (String arg : args) {
      int colon = arg.indexOf(':');
      String op = colon < 0 ? arg : arg.substring(0, colon);
      String value = colon < 0 ? "" : arg.substring(colon + 1);
      switch (op) {
        case "print" -> System.out.println(value);
        case "args" -> System.out.println("args=" + String.join("|", args));
        case "env" -> System.out.println("env " + value + "=" + System.getenv(value));
        case "read" -> System.out.println("read " + value + ": " + read(Path.of(value)));
        case "write" -> System.out.println("write " + value + ": " + write(Path.of(value)));
        case "whoami" ->
            System.out.println(
                "user.name="
                    + System.getProperty("user.name")
                    + " "
                    + status("Uid")
                    + " "
                    + status("Gid"));
        case "cwd" -> System.out.println("cwd=" + Path.of("").toAbsolutePath());
        case "status" -> System.out.println(status(value));
        case "ticks" -> {
          String[] nm = value.split(":");
          for (int i = 0; i < Integer.parseInt(nm[0]); i++) {
            System.out.println("tick " + i);
            Thread.sleep(Long.parseLong(nm[1]));
          }
        }
        case "sleep" -> Thread.sleep(Long.parseLong(value));
        case "alloc" -> {
          for (int i = 0; i < Integer.parseInt(value); i++) {
            byte[] mib = new byte[1 << 20];
            java.util.Arrays.fill(mib, (byte) i);
            kept.add(mib);
          }
          System.out.println("allocated " + kept.size() + " MiB");
        }
        case "stderr" -> System.err.println(value);
        case "exit" -> System.exit(Integer.parseInt(value));
        default -> throw new IllegalArgumentException("unknown probe op " + arg);
      }
    }
  }

  private static String read(Path p) {
    try {
      List<String> lines = Files.readAllLines(p);
      return lines.isEmpty() ? "" : lines.get(0);
    } catch (NoSuchFileException e) {
      return "missing";
    } catch (AccessDeniedException e) {
      return "denied";
    } catch (Exception e) {
      return e.getClass().getSimpleName() + " " + e.getMessage();
    }
  }

  private static String write(Path dir) {
    try {
      Files.writeString(dir.resolve("probe-" + ProcessHandle.current().pid()), "x");
      return "ok";
    } catch (Exception e) {
      return e.getClass().getSimpleName() + " " + e.getMessage();
    }
  }

  private static String status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return line.replaceAll("\\s+", " ");
        }
      }
      return field + ": absent";
    } catch (Exception e) {
      return field + ": " + e;
    }
  }
}
