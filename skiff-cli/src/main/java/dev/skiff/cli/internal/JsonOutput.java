package dev.skiff.cli.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.skiff.core.internal.Json;
import java.io.PrintWriter;

/** Pretty JSON for {@code --output json}. */
final class JsonOutput {
  private JsonOutput() {}

  static void print(PrintWriter out, Object value) {
    try {
      out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }
}
