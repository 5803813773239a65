package dev.skiff.store.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON text columns, written and read with a plain {@link ObjectMapper}. Numbers keep their value;
 * their node type is what parsing gives (an int-sized long reads back as an int node).
 */
final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<TreeMap<String, String>> STRING_MAP = new TypeReference<>() {};

  private Json() {}

  static String write(Object value) throws SQLException {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new SQLException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** {@code what} names the column's owner in the error, e.g. "config of component x". */
  static ObjectNode readObject(String json, String what) throws SQLException {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw invalid(what, e);
    }
    if (node instanceof ObjectNode object) {
      return object;
    }
    throw new SQLException(what + " is not a JSON object");
  }

  static Map<String, String> readStringMap(String json, String what) throws SQLException {
    try {
      return MAPPER.readValue(json, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw invalid(what, e);
    }
  }

  private static SQLException invalid(String what, JsonProcessingException e) {
    return new SQLException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
  }
}
