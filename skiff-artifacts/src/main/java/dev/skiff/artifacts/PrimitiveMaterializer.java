package dev.skiff.artifacts;

import dev.skiff.sdk.Materializer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The eight primitive types and their boxes ({@code int} and {@code Integer} are stored alike).
 *
 * <p>Format {@value #ID}: the type's JVM descriptor letter ({@code Z B S C I J F D}) as one byte,
 * then the value big-endian in its natural width, as {@link DataOutputStream} writes it (so an int
 * takes 5 bytes). Booleans are one byte, 0 or 1; floats and doubles keep their exact bits.
 */
public final class PrimitiveMaterializer implements Materializer {
  public static final String ID = "skiff.primitive/v1";

  private static final Map<Class<?>, Character> TAGS =
      Map.ofEntries(
          Map.entry(boolean.class, 'Z'),
          Map.entry(Boolean.class, 'Z'),
          Map.entry(byte.class, 'B'),
          Map.entry(Byte.class, 'B'),
          Map.entry(short.class, 'S'),
          Map.entry(Short.class, 'S'),
          Map.entry(char.class, 'C'),
          Map.entry(Character.class, 'C'),
          Map.entry(int.class, 'I'),
          Map.entry(Integer.class, 'I'),
          Map.entry(long.class, 'J'),
          Map.entry(Long.class, 'J'),
          Map.entry(float.class, 'F'),
          Map.entry(Float.class, 'F'),
          Map.entry(double.class, 'D'),
          Map.entry(Double.class, 'D'));

  private static final Map<Character, String> NAMES =
      Map.of(
          'Z', "boolean", 'B', "byte", 'S', "short", 'C', "char", 'I', "int", 'J', "long", 'F',
          "float", 'D', "double");

  public PrimitiveMaterializer() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean supports(Type type) {
    return type instanceof Class<?> && TAGS.containsKey(type);
  }

  @Override
  public int priority() {
    return 80;
  }

  @Override
  public void write(Object value, Type type, OutputStream out) throws IOException {
    char tag = tag(type);
    Class<?> box = boxOf(tag);
    if (!box.isInstance(value)) {
      throw new IllegalArgumentException(
          "expected " + NAMES.get(tag) + ", got " + BinaryFormat.describe(value));
    }
    DataOutputStream data = BinaryFormat.output(out);
    data.writeByte(tag);
    switch (tag) {
      case 'Z' -> data.writeBoolean((Boolean) value);
      case 'B' -> data.writeByte((Byte) value);
      case 'S' -> data.writeShort((Short) value);
      case 'C' -> data.writeChar((Character) value);
      case 'I' -> data.writeInt((Integer) value);
      case 'J' -> data.writeLong((Long) value);
      case 'F' -> data.writeInt(Float.floatToRawIntBits((Float) value));
      case 'D' -> data.writeLong(Double.doubleToRawLongBits((Double) value));
      default -> throw new AssertionError(tag);
    }
    data.flush();
  }

  @Override
  public Object read(Type type, InputStream in) throws IOException {
    char tag = tag(type);
    DataInputStream data = BinaryFormat.input(in);
    int stored = BinaryFormat.readUnsignedByte(data, ID, "type tag");
    if (stored != tag) {
      String storedName = NAMES.get((char) stored);
      throw new IOException(
          storedName == null
              ? "corrupt " + ID + " artifact: unknown type tag 0x" + Integer.toHexString(stored)
              : ID + " artifact holds type " + storedName + ", not " + NAMES.get(tag));
    }
    byte[] bytes = data.readNBytes(width(tag));
    if (bytes.length < width(tag)) {
      throw BinaryFormat.truncated(ID, NAMES.get(tag) + " value", null);
    }
    BinaryFormat.expectEnd(data, ID);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return switch (tag) {
      case 'Z' -> {
        if (bytes[0] != 0 && bytes[0] != 1) {
          throw new IOException("corrupt " + ID + " artifact: boolean byte " + bytes[0]);
        }
        yield bytes[0] == 1;
      }
      case 'B' -> bytes[0];
      case 'S' -> buffer.getShort();
      case 'C' -> buffer.getChar();
      case 'I' -> buffer.getInt();
      case 'J' -> buffer.getLong();
      case 'F' -> Float.intBitsToFloat(buffer.getInt());
      case 'D' -> Double.longBitsToDouble(buffer.getLong());
      default -> throw new AssertionError(tag);
    };
  }

  @Override
  public String toString() {
    return ID;
  }

  private static char tag(Type type) {
    Character tag = type instanceof Class<?> ? TAGS.get(type) : null;
    if (tag == null) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
    return tag;
  }

  private static Class<?> boxOf(char tag) {
    return switch (tag) {
      case 'Z' -> Boolean.class;
      case 'B' -> Byte.class;
      case 'S' -> Short.class;
      case 'C' -> Character.class;
      case 'I' -> Integer.class;
      case 'J' -> Long.class;
      case 'F' -> Float.class;
      case 'D' -> Double.class;
      default -> throw new AssertionError(tag);
    };
  }

  private static int width(char tag) {
    return switch (tag) {
      case 'Z', 'B' -> 1;
      case 'S', 'C' -> 2;
      case 'I', 'F' -> 4;
      case 'J', 'D' -> 8;
      default -> throw new AssertionError(tag);
    };
  }
}
