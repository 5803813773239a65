package dev.skiff.sdk;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A report attached to a step's outputs: HTML, Markdown or a PNG image. Shown by {@code skiff
 * artifacts show --open}.
 */
public record Visualization(String name, Kind kind, byte[] content) {
  /** Format of a visualization; decides the file extension and media type. */
  public enum Kind {
    HTML("html", "text/html"),
    MARKDOWN("md", "text/markdown"),
    PNG("png", "image/png");

    private final String extension;
    private final String mediaType;

    Kind(String extension, String mediaType) {
      this.extension = extension;
      this.mediaType = mediaType;
    }

    public String extension() {
      return extension;
    }

    public String mediaType() {
      return mediaType;
    }
  }

  public Visualization {
    if (!Names.isValid(name)) {
      throw new IllegalArgumentException(
          "visualization name must match [A-Za-z][A-Za-z0-9_-]*: " + name);
    }
    Objects.requireNonNull(kind, "kind");
    content = content.clone();
  }

  public static Visualization html(String name, String html) {
    return new Visualization(name, Kind.HTML, html.getBytes(StandardCharsets.UTF_8));
  }

  public static Visualization markdown(String name, String markdown) {
    return new Visualization(name, Kind.MARKDOWN, markdown.getBytes(StandardCharsets.UTF_8));
  }

  public static Visualization png(String name, byte[] png) {
    return new Visualization(name, Kind.PNG, png);
  }

  @Override
  public byte[] content() {
    return content.clone();
  }
}
