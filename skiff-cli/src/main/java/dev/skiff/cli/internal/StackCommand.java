package dev.skiff.cli.internal;

import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.Flavor;
import dev.skiff.core.stack.StackRecord;
import dev.skiff.core.stack.Stacks;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skiff stack}: named sets of components; runs use the active one. */
@Command(
    name = "stack",
    description = {
      "Register and manage stacks: an orchestrator, an artifact store and optionally a container registry, by name.",
      "Runs use the active stack, so 'skiff stack set NAME' moves a pipeline elsewhere without changing its code."
          + " A new project has a 'default' stack: the local orchestrator and a local artifact store in .skiff/artifacts."
    },
    subcommands = {
      StackCommand.Register.class,
      StackCommand.ListStacks.class,
      StackCommand.Describe.class,
      StackCommand.Set.class,
      StackCommand.Update.class,
      StackCommand.Copy.class,
      StackCommand.Delete.class
    })
public final class StackCommand {

  /** The stack's components for JSON: type → component name. */
  private static Map<String, String> components(StackRecord s) {
    Map<String, String> m = new LinkedHashMap<>();
    for (ComponentType type : ComponentType.values()) {
      s.component(type).ifPresent(name -> m.put(type.cliName(), name));
    }
    return m;
  }

  private static String announce(StackRecord s) {
    List<String> parts = new ArrayList<>();
    for (ComponentType type : ComponentType.values()) {
      s.component(type).ifPresent(name -> parts.add(type.cliName() + " '" + name + "'"));
    }
    return String.join(", ", parts);
  }

  @Command(name = "register", description = "Register a new stack from registered components.")
  static final class Register implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "Name of the new stack: a letter, then letters, digits, '_' or '-'.")
    String name;

    @Option(
        names = {"-o", "--orchestrator"},
        paramLabel = "ORCHESTRATOR",
        description = "Name of a registered orchestrator (required).")
    String orchestrator;

    @Option(
        names = {"-a", "--artifact-store"},
        paramLabel = "ARTIFACT_STORE",
        description = "Name of a registered artifact store (required).")
    String artifactStore;

    @Option(
        names = {"-c", "--container-registry"},
        paramLabel = "CONTAINER_REGISTRY",
        description = "Name of a registered container registry (optional).")
    String containerRegistry;

    @Option(names = "--set", description = "Make it the active stack.")
    boolean set;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Map<ComponentType, String> components = new EnumMap<>(ComponentType.class);
      put(components, ComponentType.ORCHESTRATOR, orchestrator);
      put(components, ComponentType.ARTIFACT_STORE, artifactStore);
      put(components, ComponentType.CONTAINER_REGISTRY, containerRegistry);
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        StackRecord s = ws.stacks().registerStack(name, components);
        out.println("Registered stack '" + s.name() + "': " + announce(s) + ".");
        if (set) {
          ws.stacks().setActive(s.name());
          out.println("Active stack: '" + s.name() + "'.");
        }
      }
      return 0;
    }

    private static void put(Map<ComponentType, String> m, ComponentType type, String name) {
      if (name != null && !name.isEmpty()) {
        m.put(type, name);
      }
    }
  }

  @Command(name = "list", description = "List the stacks; the active one is marked with *.")
  static final class ListStacks implements Callable<Integer> {
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
        String active = ws.stacks().activeName();
        List<StackRecord> stacks = ws.stacks().stacks();
        if (output == OutputFormat.json) {
          List<Map<String, Object>> json = new ArrayList<>();
          for (StackRecord s : stacks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("active", s.name().equals(active));
            m.put("components", components(s));
            m.put("createdAt", s.createdAt());
            m.put("updatedAt", s.updatedAt());
            json.add(m);
          }
          JsonOutput.print(out, json);
          return 0;
        }
        Ansi ansi = Ansi.auto();
        Table t =
            new Table("ACTIVE", "NAME", "ORCHESTRATOR", "ARTIFACT-STORE", "CONTAINER-REGISTRY");
        for (StackRecord s : stacks) {
          boolean isActive = s.name().equals(active);
          t.row(
              isActive ? "*" : "",
              isActive ? ansi.bold(s.name()) : s.name(),
              s.component(ComponentType.ORCHESTRATOR).orElse(""),
              s.component(ComponentType.ARTIFACT_STORE).orElse(""),
              s.component(ComponentType.CONTAINER_REGISTRY).orElse(""));
        }
        t.print(out, ansi);
      }
      return 0;
    }
  }

  @Command(
      name = "describe",
      description =
          "Show a stack (the active one when no NAME is given): its components, their flavors and configuration (secret references as written),"
              + " and check that a run could use it (artifact store reachable, stores reachable from pods); exit code 1 when a check fails.")
  static final class Describe implements Callable<Integer> {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "NAME",
        description = "Name of the stack (default: the active stack).")
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
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        Stacks stacks = ws.stacks();
        String active = stacks.activeName();
        StackRecord s = stacks.stack(name == null ? active : name);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ComponentType type : ComponentType.values()) {
          Optional<String> componentName = s.component(type);
          if (componentName.isEmpty()) {
            continue;
          }
          ComponentRecord c = stacks.component(type, componentName.get());
          Flavor<?> flavor =
              stacks.flavors().all().stream()
                  .filter(f -> f.type() == type && f.name().equals(c.flavor()))
                  .findFirst()
                  .orElse(null);
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("type", type.cliName());
          m.put("name", c.name());
          m.put("flavor", c.flavor());
          m.put("config", c.config());
          m.put("summary", ConfigView.compact(flavor, c.config()));
          rows.add(m);
        }
        List<String> problems = new StackRuns(ws).problems(stacks.resolve(s.name()));
        if (output == OutputFormat.json) {
          Map<String, Object> json = new LinkedHashMap<>();
          json.put("name", s.name());
          json.put("active", s.name().equals(active));
          rows.forEach(r -> r.remove("summary"));
          json.put("components", rows);
          json.put("createdAt", s.createdAt());
          json.put("updatedAt", s.updatedAt());
          json.put("problems", problems);
          JsonOutput.print(out, json);
          return problems.isEmpty() ? 0 : 1;
        }
        Ansi ansi = Ansi.auto();
        out.println(
            ansi.bold("Stack '" + s.name() + "'") + (s.name().equals(active) ? " (active)" : ""));
        Table t = new Table("COMPONENT", "NAME", "FLAVOR", "CONFIG");
        for (Map<String, Object> r : rows) {
          t.row(r.get("type"), r.get("name"), r.get("flavor"), r.get("summary"));
        }
        t.print(out, ansi);
        if (problems.isEmpty()) {
          out.println(
              "Checks: "
                  + ansi.green("ready")
                  + " (artifact store reachable; stores reachable by the orchestrator's executors)");
          return 0;
        }
        problems.forEach(p -> out.println(ansi.red("problem: ") + Redactor.redact(p)));
        return 1;
      }
    }
  }

  @Command(
      name = "set",
      description = "Make a stack the active one: the stack every following run uses.")
  static final class Set implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the stack.")
    String name;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ws.stacks().setActive(name);
        spec.commandLine()
            .getOut()
            .println("Active stack: '" + name + "' (" + announce(ws.stacks().stack(name)) + ").");
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      description =
          "Replace components of a stack; the others stay. -c \"\" removes the container registry.")
  static final class Update implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the stack.")
    String name;

    @Option(
        names = {"-o", "--orchestrator"},
        paramLabel = "ORCHESTRATOR",
        description = "Use this orchestrator.")
    String orchestrator;

    @Option(
        names = {"-a", "--artifact-store"},
        paramLabel = "ARTIFACT_STORE",
        description = "Use this artifact store (cached outputs of the old one are not reused).")
    String artifactStore;

    @Option(
        names = {"-c", "--container-registry"},
        paramLabel = "CONTAINER_REGISTRY",
        description = "Use this container registry; \"\" for none.")
    String containerRegistry;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Map<ComponentType, String> changes = new EnumMap<>(ComponentType.class);
      if (orchestrator != null) {
        changes.put(ComponentType.ORCHESTRATOR, orchestrator);
      }
      if (artifactStore != null) {
        changes.put(ComponentType.ARTIFACT_STORE, artifactStore);
      }
      if (containerRegistry != null) {
        changes.put(ComponentType.CONTAINER_REGISTRY, containerRegistry);
      }
      if (changes.isEmpty()) {
        throw new IllegalArgumentException(
            "nothing to change: give -o ORCHESTRATOR, -a ARTIFACT_STORE or -c CONTAINER_REGISTRY");
      }
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        StackRecord s = ws.stacks().updateStack(name, changes);
        spec.commandLine()
            .getOut()
            .println("Updated stack '" + s.name() + "': " + announce(s) + ".");
      }
      return 0;
    }
  }

  @Command(name = "copy", description = "Register a new stack with the components of another.")
  static final class Copy implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "Name of the stack to copy.")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET", description = "Name of the new stack.")
    String target;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        StackRecord s = ws.stacks().copyStack(source, target);
        spec.commandLine()
            .getOut()
            .println("Copied stack '" + source + "' to '" + s.name() + "': " + announce(s) + ".");
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      description =
          "Delete a stack (its components stay registered); the active stack cannot be deleted.")
  static final class Delete implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the stack.")
    String name;

    @Mixin ProjectOptions project;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Workspace ws = Workspace.open(project.project(), spec.commandLine().getErr())) {
        ws.stacks().deleteStack(name);
        spec.commandLine().getOut().println("Deleted stack '" + name + "'.");
      }
      return 0;
    }
  }
}
