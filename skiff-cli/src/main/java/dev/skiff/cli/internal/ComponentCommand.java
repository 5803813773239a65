package dev.skiff.cli.internal;

import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavor;
import dev.skiff.core.stack.Flavors;
import dev.skiff.core.stack.StackRecord;
import dev.skiff.core.stack.Stacks;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code skiff orchestrator|artifact-store|container-registry}: the same subcommands for each
 * component type; the three tiny subclasses only name their type.
 */
public abstract class ComponentCommand {
  private static final String KEY_VALUE_USAGE = "give configuration as --KEY=VALUE";

  abstract ComponentType type();

  /** {@code skiff orchestrator}. */
  @Command(
      name = "orchestrator",
      description = {
        "Register and manage orchestrators: the component of a stack that runs pipelines.",
        "Flavors: see 'skiff orchestrator flavor list'."
      },
      subcommands = {
        Register.class,
        ListComponents.class,
        Describe.class,
        Update.class,
        Delete.class,
        FlavorCommand.class
      })
  public static final class Orchestrators extends ComponentCommand {
    @Override
    ComponentType type() {
      return ComponentType.ORCHESTRATOR;
    }
  }

  /** {@code skiff artifact-store}. */
  @Command(
      name = "artifact-store",
      description = {
        "Register and manage artifact stores: the component of a stack that keeps step outputs, visualizations and step logs.",
        "Cached outputs are reused only from the same artifact store. Flavors: see 'skiff artifact-store flavor list'."
      },
      subcommands = {
        Register.class,
        ListComponents.class,
        Describe.class,
        Update.class,
        Delete.class,
        FlavorCommand.class
      })
  public static final class ArtifactStores extends ComponentCommand {
    @Override
    ComponentType type() {
      return ComponentType.ARTIFACT_STORE;
    }
  }

  /** {@code skiff container-registry}. */
  @Command(
      name = "container-registry",
      description = {
        "Register and manage container registries: the optional component of a stack where images of pipelines are pushed,"
            + " for orchestrators that run steps in containers.",
        "Flavors: see 'skiff container-registry flavor list'."
      },
      subcommands = {
        Register.class,
        ListComponents.class,
        Describe.class,
        Update.class,
        Delete.class,
        FlavorCommand.class
      })
  public static final class ContainerRegistries extends ComponentCommand {
    @Override
    ComponentType type() {
      return ComponentType.CONTAINER_REGISTRY;
    }
  }

  /** A footer for {@code register --help}: the installed flavors and their keys. */
  static String[] flavorsFooter(ComponentType type) {
    List<Flavor<?>> flavors = Flavors.load(ComponentCommand.class.getClassLoader()).ofType(type);
    List<String> lines = new ArrayList<>();
    lines.add("");
    if (flavors.isEmpty()) {
      lines.add(
          "No "
              + type.cliName()
              + " flavors are installed: they come with their modules on the class path.");
      return lines.toArray(String[]::new);
    }
    lines.add("Flavors and their configuration keys:");
    for (Flavor<?> f : flavors) {
      lines.add("  " + f.name() + ": " + ConfigView.keys(f));
    }
    return lines.toArray(String[]::new);
  }

  private static ComponentType typeOf(CommandSpec spec) {
    for (CommandSpec s = spec; s != null; s = s.parent()) {
      if (s.userObject() instanceof ComponentCommand c) {
        return c.type();
      }
    }
    throw new IllegalStateException(spec.qualifiedName() + " is not under a component command");
  }

  private static List<String> usedBy(Stacks stacks, ComponentType type, String name) {
    List<String> used = new ArrayList<>();
    for (StackRecord s : stacks.stacks()) {
      if (name.equals(s.components().get(type))) {
        used.add(s.name());
      }
    }
    return used;
  }

  static Map<String, Object> json(ComponentRecord c, List<String> stacks) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", c.type().cliName());
    m.put("name", c.name());
    m.put("flavor", c.flavor());
    m.put("config", c.config());
    m.put("secretReferences", ConfigBinder.secretReferences(c.config()));
    m.put("stacks", stacks);
    m.put("createdAt", c.createdAt());
    m.put("updatedAt", c.updatedAt());
    return m;
  }

  @Command(
      name = "register",
      customSynopsis = {
        "skiff ${PARENT-COMMAND-NAME} register [-hV] [--debug] NAME --flavor=FLAVOR",
        "      [--KEY=VALUE...] [--project=DIR]"
      },
      description = {
        "Register a new ${PARENT-COMMAND-NAME} with a flavor and its configuration.",
        "",
        "Configuration: --KEY=VALUE for each key of the flavor (camelCase, snake_case or kebab-case). Values are typed:"
            + " numbers, true/false, enum names, durations such as 30s, lists as a,b, maps as k=v,k2=v2, or JSON."
            + " A value may reference a secret: --KEY={{secret.NAME.KEY}} (see 'skiff secret --help')."
      })
  static final class Register implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "Name of the new component: a letter, then letters, digits, '_' or '-'.")
    String name;

    @Option(
        names = {"--flavor", "-f"},
        required = true,
        paramLabel = "FLAVOR",
        description = "Flavor of the component, e.g. local (see 'flavor list').")
    String flavor;

    @Unmatched List<String> config = new ArrayList<>();

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ComponentType type = typeOf(spec);
      Map<String, String> values = KeyValues.map(config, KEY_VALUE_USAGE);
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        if (ws.stacks().flavors().ofType(type).isEmpty()) {
          throw new ConfigException(
              "no "
                  + type.cliName()
                  + " flavors are installed: they come with their modules on the class path");
        }
        ComponentRecord c = ws.stacks().registerComponent(type, name, flavor, values);
        spec.commandLine()
            .getOut()
            .println(
                "Registered "
                    + type.cliName()
                    + " '"
                    + c.name()
                    + "' (flavor "
                    + c.flavor()
                    + ").");
      }
      return 0;
    }
  }

  @Command(
      name = "list",
      description =
          "List the registered ${PARENT-COMMAND-NAME} components and the stacks that use them.")
  static final class ListComponents implements Callable<Integer> {
    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ComponentType type = typeOf(spec);
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        List<ComponentRecord> components = ws.stacks().components(type);
        if (output == OutputFormat.json) {
          JsonOutput.print(
              out,
              components.stream().map(c -> json(c, usedBy(ws.stacks(), type, c.name()))).toList());
          return 0;
        }
        Ansi ansi = Ansi.auto();
        Table t = new Table("NAME", "FLAVOR", "USED-BY-STACKS");
        for (ComponentRecord c : components) {
          t.row(c.name(), c.flavor(), String.join(", ", usedBy(ws.stacks(), type, c.name())));
        }
        t.print(out, ansi);
      }
      return 0;
    }
  }

  @Command(
      name = "describe",
      description =
          "Show the ${PARENT-COMMAND-NAME} NAME: flavor, configuration (secret references as written, never their values) and the stacks using it.")
  static final class Describe implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the component.")
    String name;

    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ComponentType type = typeOf(spec);
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ComponentRecord c = ws.stacks().component(type, name);
        List<String> stacks = usedBy(ws.stacks(), type, name);
        if (output == OutputFormat.json) {
          JsonOutput.print(out, json(c, stacks));
          return 0;
        }
        Ansi ansi = Ansi.auto();
        Flavor<?> flavor =
            ws.stacks().flavors().all().stream()
                .filter(f -> f.type() == type && f.name().equals(c.flavor()))
                .findFirst()
                .orElse(null);
        out.println(ansi.bold(type.cliName() + " '" + c.name() + "'"));
        out.println("  flavor:   " + c.flavor() + (flavor == null ? " (not installed here)" : ""));
        out.println("  stacks:   " + (stacks.isEmpty() ? "(none)" : String.join(", ", stacks)));
        out.println("  created:  " + Format.time(c.createdAt()));
        if (c.updatedAt() != null) {
          out.println("  updated:  " + Format.time(c.updatedAt()));
        }
        out.println("  config:");
        Map<String, String> rows =
            flavor == null ? rawRows(c) : ConfigView.rows(flavor, c.config());
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        rows.forEach(
            (k, v) ->
                out.println(
                    "    "
                        + k
                        + " ".repeat(width - k.length() + 2)
                        + (v.isEmpty() ? "(empty)" : v)));
        out.flush();
      }
      return 0;
    }

    private static Map<String, String> rawRows(ComponentRecord c) {
      Map<String, String> rows = new LinkedHashMap<>();
      c.config()
          .fields()
          .forEachRemaining(f -> rows.put(f.getKey(), ConfigView.show(f.getValue(), null)));
      return rows;
    }
  }

  @Command(
      name = "update",
      customSynopsis = {
        "skiff ${PARENT-COMMAND-NAME} update [-hV] [--debug] NAME [--KEY=VALUE...]",
        "      [--remove=KEY]... [--project=DIR]"
      },
      description = {
        "Change the configuration of the ${PARENT-COMMAND-NAME} NAME: --KEY=VALUE sets a key, --remove KEY returns it to its default.",
        "Values are written and typed as for register. The flavor cannot change: register a new component instead."
            + " Stacks using the component see the change at their next run."
      })
  static final class Update implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the component.")
    String name;

    @Option(
        names = "--remove",
        paramLabel = "KEY",
        split = ",",
        description = "Unset this key (repeatable, or KEY1,KEY2).")
    List<String> remove = new ArrayList<>();

    @Unmatched List<String> config = new ArrayList<>();

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ComponentType type = typeOf(spec);
      Map<String, String> values = KeyValues.map(config, KEY_VALUE_USAGE + " or --remove KEY");
      if (values.isEmpty() && remove.isEmpty()) {
        throw new IllegalArgumentException("nothing to change: give --KEY=VALUE or --remove KEY");
      }
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ComponentRecord c = ws.stacks().updateComponent(type, name, values, remove);
        spec.commandLine().getOut().println("Updated " + type.cliName() + " '" + c.name() + "'.");
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      description = "Delete the ${PARENT-COMMAND-NAME} NAME; refused while a stack uses it.")
  static final class Delete implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the component.")
    String name;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ComponentType type = typeOf(spec);
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ws.stacks().deleteComponent(type, name);
        spec.commandLine().getOut().println("Deleted " + type.cliName() + " '" + name + "'.");
      }
      return 0;
    }
  }

  /** {@code skiff <type> flavor list}. */
  @Command(
      name = "flavor",
      description =
          "The ${PARENT-COMMAND-NAME} flavors installed here, with their configuration keys.",
      subcommands = FlavorList.class)
  static final class FlavorCommand {}

  @Command(name = "list", description = "List the installed flavors with their configuration keys.")
  static final class FlavorList implements Callable<Integer> {
    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project; // accepted like everywhere; flavors come from the class path
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ComponentType type = typeOf(spec);
      PrintWriter out = spec.commandLine().getOut();
      List<Flavor<?>> flavors = Flavors.load(ComponentCommand.class.getClassLoader()).ofType(type);
      if (output == OutputFormat.json) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (Flavor<?> f : flavors) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("type", type.cliName());
          m.put("name", f.name());
          m.put("description", f.description());
          m.put("configKeys", ConfigBinder.keys(f.configType()));
          m.put(
              "settingsKey",
              f.settingsType() == null ? null : type.settingsPrefix() + "." + f.name());
          json.add(m);
        }
        JsonOutput.print(out, json);
        return 0;
      }
      if (flavors.isEmpty()) {
        out.println(
            "No "
                + type.cliName()
                + " flavors are installed: they come with their modules on the class path.");
        return 0;
      }
      Table t = new Table("NAME", "DESCRIPTION", "CONFIG-KEYS");
      for (Flavor<?> f : flavors) {
        t.row(f.name(), f.description(), ConfigView.keys(f));
      }
      t.print(out, Ansi.auto());
      return 0;
    }
  }

  /** Adds the installed flavors to the help of every {@code register} command. */
  public static void addFlavorHelp(CommandLine root) {
    for (CommandLine group : root.getSubcommands().values()) {
      if (group.getCommand() instanceof ComponentCommand c
          && group.getSubcommands().containsKey("register")) {
        group
            .getSubcommands()
            .get("register")
            .getCommandSpec()
            .usageMessage()
            .footer(flavorsFooter(c.type()));
      }
    }
  }
}
