package dev.skiff.sdk;

/** Naming rules shared by pipelines, steps and outputs. */
public final class Names {
  // compiled once: a plan of 1000 steps checks thousands of names
  private static final java.util.regex.Pattern VALID =
      java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,62}");

  private Names() {}

  /** Step, output and pipeline names: a letter, then letters, digits, '_' or '-', at most 63. */
  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches();
  }

  /** {@code DigitsPipeline} to {@code digits_pipeline}. */
  public static String snakeCase(String camel) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        if (i > 0 && camel.charAt(i - 1) != '_') {
          out.append('_');
        }
        out.append(Character.toLowerCase(c));
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-') {
        out.append(c);
      }
    }
    return out.length() == 0 ? "pipeline" : out.toString();
  }
}
