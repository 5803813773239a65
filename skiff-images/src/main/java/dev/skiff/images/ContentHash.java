package dev.skiff.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 over strings, files and folder trees (relative paths and contents, in sorted order). */
public final class ContentHash {
  private final MessageDigest digest;

  public ContentHash() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public ContentHash add(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    addLength(b.length);
    digest.update(b);
    return this;
  }

  /** Adds a file's name and content, or a folder's files with their relative paths. */
  public ContentHash addPath(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(path)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
      add("dir");
      for (Path f : files) {
        add(path.relativize(f).toString().replace('\\', '/'));
        addContent(f);
      }
    } else {
      add(path.getFileName().toString());
      addContent(path);
    }
    return this;
  }

  public String hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  private void addContent(Path file) throws IOException {
    addLength(Files.size(file));
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
    }
  }

  private void addLength(long n) {
    for (int i = 7; i >= 0; i--) {
      digest.update((byte) (n >>> (8 * i)));
    }
  }
}
