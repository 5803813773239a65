package dev.skiff.testing.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A label selector and a field selector as the API server reads them from {@code labelSelector} and
 * {@code fieldSelector} (the mock API server knows only equality labels and no fields, and ignores
 * what it does not know, which would match too much). Labels: {@code k=v}, {@code k==v}, {@code
 * k!=v}, {@code k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k}. Fields: {@code f=v},
 * {@code f==v}, {@code f!=v} on the fields the kind supports (pods: {@code metadata.name}, {@code
 * status.phase}, {@code spec.nodeName}…); anything else is refused with the API server's message,
 * as a 400.
 */
final class Selector implements Predicate<JsonNode> {
  private static final Pattern SET =
      Pattern.compile("^\\s*([^\\s!=(),]+)\\s+(in|notin)\\s+\\(([^()]*)\\)\\s*$");
  private static final Pattern EQUALITY =
      Pattern.compile("^\\s*([^\\s!=(),]+)\\s*(==|=|!=)\\s*([^\\s=!(),]*)\\s*$");
  private static final Pattern EXISTS = Pattern.compile("^\\s*(!?)\\s*([^\\s!=(),]+)\\s*$");

  /** Fields a field selector may use, by resource (pods as in {@code pkg/registry/core/pod}). */
  private static final Map<String, Set<String>> FIELDS =
      Map.of(
          "pods",
          Set.of(
              "metadata.name",
              "metadata.namespace",
              "spec.nodeName",
              "spec.restartPolicy",
              "spec.schedulerName",
              "spec.serviceAccountName",
              "spec.hostNetwork",
              "status.phase",
              "status.podIP",
              "status.podIPs",
              "status.nominatedNodeName"),
          "jobs",
          Set.of("metadata.name", "metadata.namespace", "status.successful"));

  private final List<Predicate<JsonNode>> requirements;

  private Selector(List<Predicate<JsonNode>> requirements) {
    this.requirements = requirements;
  }

  /**
   * Parses both selectors of a request on {@code resource} (plural); null or empty selects all.
   *
   * @throws IllegalArgumentException with the API server's message when a selector is invalid
   */
  static Selector parse(String resource, String labelSelector, String fieldSelector) {
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    for (String requirement : split(labelSelector)) {
      requirements.add(label(requirement));
    }
    for (String requirement : split(fieldSelector)) {
      requirements.add(field(resource, requirement));
    }
    return new Selector(requirements);
  }

  @Override
  public boolean test(JsonNode object) {
    return requirements.stream().allMatch(r -> r.test(object));
  }

  /** Splits on the commas outside parentheses ({@code a in (x,y),b=c}). */
  private static List<String> split(String selector) {
    List<String> parts = new ArrayList<>();
    if (selector == null || selector.isBlank()) {
      return parts;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(selector.substring(start));
    return parts;
  }

  private static Predicate<JsonNode> label(String requirement) {
    Matcher set = SET.matcher(requirement);
    if (set.matches()) {
      String key = set.group(1);
      Set<String> values = Set.copyOf(List.of(set.group(3).trim().split("\\s*,\\s*")));
      if (set.group(3).isBlank()) {
        throw new IllegalArgumentException(
            "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
      }
      boolean in = "in".equals(set.group(2));
      return o -> {
        JsonNode value = o.path("metadata").path("labels").get(key);
        boolean member = value != null && values.contains(value.asText());
        return in ? member : !member;
      };
    }
    Matcher eq = EQUALITY.matcher(requirement);
    if (eq.matches()) {
      String key = eq.group(1);
      String wanted = eq.group(3);
      boolean equal = !"!=".equals(eq.group(2));
      return o -> {
        JsonNode value = o.path("metadata").path("labels").get(key);
        boolean same = value != null && value.asText().equals(wanted);
        return equal ? same : !same;
      };
    }
    Matcher exists = EXISTS.matcher(requirement);
    if (exists.matches()) {
      String key = exists.group(2);
      boolean present = exists.group(1).isEmpty();
      return o -> o.path("metadata").path("labels").has(key) == present;
    }
    throw new IllegalArgumentException(
        "unable to parse requirement: found '" + requirement.strip() + "', expected: selector");
  }

  private static Predicate<JsonNode> field(String resource, String requirement) {
    Matcher eq = EQUALITY.matcher(requirement);
    if (!eq.matches()) {
      throw new IllegalArgumentException(
          "invalid selector: '"
              + requirement.strip()
              + "'; can't understand '"
              + requirement
              + "'");
    }
    String field = eq.group(1);
    if (!FIELDS
        .getOrDefault(resource, Set.of("metadata.name", "metadata.namespace"))
        .contains(field)) {
      throw new IllegalArgumentException("field label not supported: " + field);
    }
    String wanted = eq.group(3);
    boolean equal = !"!=".equals(eq.group(2));
    String pointer = "/" + field.replace('.', '/');
    return o -> {
      JsonNode value = o.at(pointer);
      String text = value.isMissingNode() || value.isNull() ? "" : value.asText();
      return text.equals(wanted) == equal;
    };
  }
}
