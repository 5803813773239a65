package dev.skiff.cli.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Opens a file in the user's browser, if this machine has one to start. */
final class Browser {
  private Browser() {}

  static boolean open(Path file) {
    String os = System.getProperty("os.name", "").toLowerCase();
    List<String> cmd;
    if (os.contains("mac")) {
      cmd = List.of("open", file.toString());
    } else if (os.contains("win")) {
      cmd = List.of("rundll32", "url.dll,FileProtocolHandler", file.toString());
    } else {
      if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null) {
        return false;
      }
      cmd = List.of("xdg-open", file.toString());
    }
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return !p.waitFor(3, TimeUnit.SECONDS) || p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
