package dev.skiff.artifacts;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.skiff.sdk.Materializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * The fallback: records, beans, enums, collections and maps of them, and generic types such as
 * {@code List<Point>} given as a {@link ParameterizedType}, as UTF-8 JSON written by Jackson.
 * Format {@value #ID}.
 *
 * <p>The bytes are deterministic for equal values: properties are sorted by name and map entries by
 * key. {@code java.time} values are ISO-8601 strings; NaN and infinities are the strings {@code
 * "NaN"}, {@code "Infinity"} and {@code "-Infinity"}. Reading is strict: unknown properties and
 * trailing content are errors.
 *
 * <p>Safe with artifacts from other people: default typing is off and class names in the JSON are
 * never resolved, even where a type is annotated with {@code @JsonTypeInfo(use = CLASS)};
 * name-based subtypes declared with {@code @JsonSubTypes} still work.
 */
public final class JsonMaterializer implements Materializer {
  public static final String ID = "skiff.json/v1";

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          // Deny every class-name type id: nothing in an artifact picks a class to instantiate.
          .polymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().build())
          .deactivateDefaultTyping()
          .build();

  public JsonMaterializer() {}

  @Override
  public String id() {
    return ID;
  }

  /**
   * Classes, parameterized types and generic arrays, except {@code Object}, {@code Class}, {@code
   * void} and types with unresolved variables or wildcards at the top.
   */
  @Override
  public boolean supports(Type type) {
    if (type instanceof Class<?> c) {
      return c != Object.class && c != Class.class && c != void.class && c != Void.class;
    }
    return type instanceof ParameterizedType || type instanceof GenericArrayType;
  }

  /** The lowest: every more specific materializer wins over JSON. */
  @Override
  public int priority() {
    return 0;
  }

  @Override
  public void write(Object value, Type type, OutputStream out) throws IOException {
    JavaType javaType = javaType(type);
    try {
      MAPPER.writerFor(javaType).writeValue(out, value);
    } catch (JacksonException e) {
      throw new IOException(
          "cannot write " + type.getTypeName() + " as " + ID + ": " + e.getOriginalMessage(), e);
    }
    out.flush();
  }

  @Override
  public Object read(Type type, InputStream in) throws IOException {
    JavaType javaType = javaType(type);
    try {
      return MAPPER.readerFor(javaType).readValue(in);
    } catch (JacksonException e) {
      throw new IOException(
          "cannot read "
              + ID
              + " artifact as "
              + type.getTypeName()
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  @Override
  public String toString() {
    return ID;
  }

  private JavaType javaType(Type type) {
    if (!supports(type)) {
      throw new IllegalArgumentException(ID + " does not support " + type.getTypeName());
    }
    return MAPPER.getTypeFactory().constructType(type);
  }
}
