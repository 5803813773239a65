package dev.skiff.cli.internal;

import dev.skiff.core.stack.SecretRecord;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code skiff secret}: named sets of key/value pairs, encrypted at rest, never printed back. */
@Command(
    name = "secret",
    description = {
      "Store secrets, encrypted at rest (AES-256-GCM) in the metadata store; their values are never printed back.",
      "A component's configuration refers to a secret value as {{secret.NAME.KEY}}, e.g. --password={{secret.db.password}};"
          + " the value is put in only when the component is used.",
      "The key is .skiff/secret.key (created on first use, readable only by you), or base64 in SKIFF_SECRET_KEY."
    },
    subcommands = {
      SecretCommand.Create.class,
      SecretCommand.ListSecrets.class,
      SecretCommand.Update.class,
      SecretCommand.Delete.class
    })
public final class SecretCommand {
  private static final String USAGE =
      "give values as --KEY=VALUE, or --KEY alone to type the value";
  private static final String VALUES_HELP =
      "Give each value as --KEY=VALUE, or as --KEY alone to type it without echo (read from standard input when it is not"
          + " a terminal: one line per key, or all of it for a single key), so values stay out of your shell history.";

  private static String keys(SecretRecord s) {
    return String.join(", ", new TreeSet<>(s.encryptedValues().keySet()));
  }

  /** The values of {@code --KEY=VALUE} and bare {@code --KEY} arguments. */
  static Map<String, String> values(List<String> args, String name) {
    Map<String, String> values = new LinkedHashMap<>();
    List<KeyValues.Arg> parsed = KeyValues.parse(args, true, USAGE);
    List<String> bare =
        parsed.stream().filter(a -> a.value() == null).map(KeyValues.Arg::key).toList();
    Console console = interactiveConsole();
    BufferedReader stdin =
        bare.isEmpty() || console != null
            ? null
            : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (KeyValues.Arg a : parsed) {
      String value = a.value();
      if (value == null) {
        value =
            console != null
                ? prompt(console, name, a.key())
                : read(stdin, bare.size() == 1, a.key());
      }
      if (values.put(a.key(), value) != null) {
        throw new IllegalArgumentException("--" + a.key() + " is given twice");
      }
    }
    return values;
  }

  private static String prompt(Console console, String name, String key) {
    char[] typed = console.readPassword("Value of %s.%s (not shown): ", name, key);
    if (typed == null) {
      throw new IllegalArgumentException("no value typed for " + name + "." + key);
    }
    return new String(typed);
  }

  private static String read(BufferedReader in, boolean all, String key) {
    try {
      String value;
      if (all) {
        StringBuilder sb = new StringBuilder();
        char[] buf = new char[4096];
        for (int n; (n = in.read(buf)) > 0; ) {
          sb.append(buf, 0, n);
        }
        value = sb.toString().replaceFirst("\\r?\\n$", "");
        value = sb.length() == 0 ? null : value;
      } else {
        value = in.readLine();
      }
      if (value == null) {
        throw new IllegalArgumentException(
            "no value for --" + key + " on standard input: give one line per key without '='");
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
    }
  }

  /** The console when there is a person at a terminal (Java 22+ has a console also without one). */
  private static Console interactiveConsole() {
    Console c = System.console();
    if (c == null) {
      return null;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(c) ? c : null;
    } catch (ReflectiveOperationException beforeJava22) {
      return c;
    }
  }

  @Command(
      name = "create",
      customSynopsis = "skiff secret create [-hV] [--debug] NAME --KEY[=VALUE]... [--project=DIR]",
      description = {"Create a secret with one or more keys.", VALUES_HELP})
  static final class Create implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "Name of the new secret: a letter, then letters, digits, '_' or '-'.")
    String name;

    @Unmatched List<String> args = new ArrayList<>();

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        SecretRecord s = ws.stacks().createSecret(name, values(args, name));
        spec.commandLine()
            .getOut()
            .println("Created secret '" + s.name() + "' with keys: " + keys(s) + ".");
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      customSynopsis = "skiff secret update [-hV] [--debug] NAME --KEY[=VALUE]... [--project=DIR]",
      description = {"Set keys of a secret; keys not given keep their values.", VALUES_HELP})
  static final class Update implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the secret.")
    String name;

    @Unmatched List<String> args = new ArrayList<>();

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ws.stacks().secret(name); // an unknown name fails before anything is typed
        SecretRecord s = ws.stacks().updateSecret(name, values(args, name));
        spec.commandLine()
            .getOut()
            .println("Updated secret '" + s.name() + "'; keys: " + keys(s) + ".");
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List secrets with their keys (never their values).")
  static final class ListSecrets implements Callable<Integer> {
    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        List<SecretRecord> secrets = ws.stacks().secrets();
        if (output == OutputFormat.json) {
          List<Map<String, Object>> json = new ArrayList<>();
          for (SecretRecord s : secrets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("keys", new TreeSet<>(s.encryptedValues().keySet()));
            m.put("createdAt", s.createdAt());
            m.put("updatedAt", s.updatedAt());
            json.add(m);
          }
          JsonOutput.print(out, json);
          return 0;
        }
        Table t = new Table("NAME", "KEYS", "CREATED", "UPDATED");
        for (SecretRecord s : secrets) {
          t.row(s.name(), keys(s), Format.time(s.createdAt()), Format.time(s.updatedAt()));
        }
        t.print(out, Ansi.auto());
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      description = "Delete a secret; refused while a component's configuration refers to it.")
  static final class Delete implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the secret.")
    String name;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ws.stacks().deleteSecret(name);
        spec.commandLine().getOut().println("Deleted secret '" + name + "'.");
      }
      return 0;
    }
  }
}
