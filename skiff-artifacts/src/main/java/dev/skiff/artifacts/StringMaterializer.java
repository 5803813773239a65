package dev.skiff.artifacts;

import dev.skiff.sdk.Materializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * {@link String} as plain UTF-8 bytes, with no header, so the artifact is readable as a text file.
 * Format {@value #ID}. Strings that aren't valid Unicode (a lone surrogate) are refused rather than
 * silently changed, and reading rejects malformed UTF-8.
 */
public final class StringMaterializer implements Materializer {
  public static final String ID = "skiff.string/v1";

  public StringMaterializer() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean supports(Type type) {
    return type == String.class;
  }

  @Override
  public int priority() {
    return 80;
  }

  @Override
  public void write(Object value, Type type, OutputStream out) throws IOException {
    check(type);
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("expected String, got " + BinaryFormat.describe(value));
    }
    ByteBuffer bytes;
    try {
      bytes =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
    } catch (CharacterCodingException e) {
      throw new IOException("cannot write the string as " + ID + ": it is not valid Unicode", e);
    }
    out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    out.flush();
  }

  @Override
  public Object read(Type type, InputStream in) throws IOException {
    check(type);
    byte[] bytes = in.readAllBytes();
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException("corrupt " + ID + " artifact: not valid UTF-8", e);
    }
  }

  @Override
  public String toString() {
    return ID;
  }

  private static void check(Type type) {
    if (type != String.class) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
  }
}
