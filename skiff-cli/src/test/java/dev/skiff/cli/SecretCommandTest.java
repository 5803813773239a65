package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.CliPipelines.Tiny;
import dev.skiff.cli.internal.Project;
import dev.skiff.cli.internal.Workspace;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff secret}: create, list, update, delete; values encrypted at rest and never printed;
 * {@code {{secret.NAME.KEY}}} references resolved only to configure a component.
 */
class SecretCommandTest extends CliTestSupport {
  private static final String PASSWORD = "hunter2-correct-horse";

  @Test
  void createListUpdateDelete() {
    Result create = ok("secret", "create", "db", "--user=admin", "--password=" + PASSWORD);
    assertThat(create.out().strip()).isEqualTo("Created secret 'db' with keys: password, user.");

    List<String> table = ok("secret", "list").outLines();
    assertThat(table.get(0)).matches("NAME +KEYS +CREATED +UPDATED");
    assertThat(table.get(1))
        .matches("db +password, user +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
    JsonNode json = ok("secret", "list", "-o", "json").json();
    assertThat(json).hasSize(1);
    assertThat(json.get(0).get("name").asText()).isEqualTo("db");
    assertThat(ComponentCommandsTest.texts(json.get(0).get("keys")))
        .containsExactly("password", "user");
    assertThat(json.get(0).get("updatedAt").isNull()).isTrue();

    Result update =
        ok("secret", "update", "db", "--password=other-" + PASSWORD, "--host=db.internal");
    assertThat(update.out().strip()).isEqualTo("Updated secret 'db'; keys: host, password, user.");
    assertThat(ok("secret", "list", "-o", "json").json().get(0).get("updatedAt").isNull())
        .isFalse();

    assertThat(ok("secret", "delete", "db").out().strip()).isEqualTo("Deleted secret 'db'.");
    assertThat(ok("secret", "list", "-o", "json").json()).isEmpty();
    for (Result r : List.of(create, update)) {
      assertThat(r.out() + r.err()).doesNotContain(PASSWORD).doesNotContain("admin");
    }
  }

  @Test
  void aKeyWithoutValueReadsItFromStandardInput() {
    Result one = withStdin("line one\nline two\n", () -> ok("secret", "create", "pem", "--key"));
    assertThat(one.out().strip()).isEqualTo("Created secret 'pem' with keys: key.");

    Result several =
        withStdin(
            "first-value\nsecond-value\n",
            () -> ok("secret", "create", "pair", "--a", "--b=given", "--c"));
    assertThat(several.out().strip()).isEqualTo("Created secret 'pair' with keys: a, b, c.");
    assertThat(several.out()).doesNotContain("first-value").doesNotContain("second-value");

    try (Workspace ws =
        Workspace.open(
            Project.findUpward(project).orElseThrow(), new PrintWriter(new StringWriter()))) {
      assertThat(ws.stacks().secretValue("pem.key")).isEqualTo("line one\nline two");
      assertThat(ws.stacks().secretValue("pair.a")).isEqualTo("first-value");
      assertThat(ws.stacks().secretValue("pair.b")).isEqualTo("given");
      assertThat(ws.stacks().secretValue("pair.c")).isEqualTo("second-value");
    }

    Result missing = withStdin("", () -> cli("secret", "create", "none", "--key"));
    assertOneLineError(
        missing, "no value for --key on standard input: give one line per key without '='");
    Result tooFew = withStdin("only-one\n", () -> cli("secret", "create", "none", "--a", "--b"));
    assertOneLineError(tooFew, "no value for --b on standard input");
  }

  @Test
  void secretErrors() {
    ok("secret", "create", "db", "--password=" + PASSWORD);
    assertOneLineError(
        cli("secret", "create", "db", "--password=x"),
        "secret 'db' exists already: delete it first or use 'skiff secret update db'");
    assertOneLineError(
        cli("secret", "create", "empty"), "secret 'empty' needs at least one --KEY=VALUE");
    assertOneLineError(
        cli("secret", "create", "bad", "--pass word=x"), "secret key 'pass word' is invalid");
    assertOneLineError(
        cli("secret", "create", "bad", "value"),
        "unexpected argument 'value': give values as --KEY=VALUE, or --KEY alone to type the value");
    assertOneLineError(
        cli("secret", "update", "nope", "--a=b"),
        "no secret named 'nope': see 'skiff secret list'");
    assertOneLineError(cli("secret", "delete", "nope"), "no secret named 'nope'");
    assertOneLineError(
        cli(
            "artifact-store",
            "register",
            "s",
            "--flavor",
            "local",
            "--path={{secret.missing.path}}"),
        "secret 'missing' (referenced as {{secret.missing.path}}) does not exist: create it with 'skiff secret create missing --path=...'");
    assertOneLineError(
        cli("artifact-store", "register", "s", "--flavor", "local", "--path={{secret.db.path}}"),
        "secret 'db' has no key 'path' (keys: password)");
  }

  @Test
  void valuesAreEncryptedAtRestWithAKeyOnlyTheOwnerCanRead() throws IOException {
    ok("secret", "create", "db", "--password=" + PASSWORD);

    assertThat(dbBytesContain(PASSWORD)).isFalse();
    Path key = project.resolve(".skiff/secret.key");
    assertThat(key).isRegularFile();
    if (Files.getFileStore(key).supportsFileAttributeView("posix")) {
      assertThat(Files.getPosixFilePermissions(key))
          .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }
  }

  /**
   * A local artifact store whose path is a secret: runs write to that path, and the path shows up
   * nowhere: not in CLI output, run logs, the plan or the database.
   */
  @Test
  void aReferencedSecretConfiguresTheComponentButItsValueIsNeverShown() throws IOException {
    Path hidden = tmp.resolve("hidden-store-7f3a9c");
    String value = hidden.toString();
    List<Result> outputs = new ArrayList<>();
    outputs.add(ok("secret", "create", "paths", "--store=" + value));
    outputs.add(
        ok(
            "artifact-store",
            "register",
            "hidden",
            "--flavor",
            "local",
            "--path={{secret.paths.store}}"));
    outputs.add(ok("stack", "register", "private", "-o", "default", "-a", "hidden", "--set"));

    Result run = runOk(Tiny.class);
    outputs.add(run);
    String id = run.runId();

    // the resolved value configured the store: the artifacts are there
    assertThat(hidden.resolve("runs").resolve(id).resolve("load/1/train")).isRegularFile();
    assertThat(project.resolve(".skiff/artifacts/runs")).doesNotExist();

    Result describe = ok("artifact-store", "describe", "hidden");
    assertThat(describe.out()).containsPattern("(?m)^    path +\\{\\{secret\\.paths\\.store}}$");
    outputs.add(describe);
    JsonNode describeJson = ok("artifact-store", "describe", "hidden", "-o", "json").json();
    assertThat(describeJson.get("config").get("path").asText()).isEqualTo("{{secret.paths.store}}");
    assertThat(ComponentCommandsTest.texts(describeJson.get("secretReferences")))
        .containsExactly("paths.store");
    outputs.add(ok("artifact-store", "list", "-o", "json"));
    outputs.add(ok("stack", "describe"));
    outputs.add(ok("stack", "describe", "-o", "json"));
    outputs.add(ok("secret", "list"));
    outputs.add(ok("secret", "list", "-o", "json"));
    Result runJson = ok("runs", "describe", id, "-o", "json");
    assertThat(runJson.json().get("plan").get("stack").asText()).isEqualTo("private");
    outputs.add(runJson);
    outputs.add(ok("runs", "describe", id));
    outputs.add(ok("runs", "logs", id));
    JsonNode artifact = ok("artifacts", "list", "--run", id, "-o", "json").json().get(0);
    Result show = ok("artifacts", "show", artifact.get("id").asText());
    assertThat(show.out())
        .containsPattern("(?m)^uri: +file:.*\\{\\{secret\\.paths\\.store}}/runs/" + id + "/");
    outputs.add(show);
    Result cached = runOk(Tiny.class);
    assertThat(cached.out()).containsPattern(stepLine("load", "cached .*"));
    outputs.add(cached);

    for (Result r : outputs) {
      assertThat(r.out()).as("%s", r).doesNotContain(value);
      assertThat(r.err()).as("%s", r).doesNotContain(value);
    }
    // not in the saved logs of the steps, nor in the plan stored with the run, nor in the database
    try (Stream<Path> files = Files.walk(hidden.resolve("runs").resolve(id))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
            .as("%s", f)
            .doesNotContain(value);
      }
    }
    assertThat(runJson.json().get("plan").toString()).doesNotContain(value);
    assertThat(dbBytesContain(value)).isFalse();

    // a secret in use cannot be deleted
    assertOneLineError(
        cli("secret", "delete", "paths"),
        "secret 'paths' is used by artifact-store 'hidden': change that component first");
  }

  @Test
  void anErrorMessageShowsTheReferenceInsteadOfTheValue() throws IOException {
    Path blocker =
        Files.writeString(
            tmp.resolve("not-a-folder-5d2e"), "a file where the store's folder should be");
    ok("secret", "create", "paths", "--store=" + blocker.resolve("store"));
    ok(
        "artifact-store",
        "register",
        "broken",
        "--flavor",
        "local",
        "--path={{secret.paths.store}}");
    ok("stack", "register", "broken", "-o", "default", "-a", "broken", "--set");

    Result r = run(Tiny.class);

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .startsWith("error: cannot open the artifact store at {{secret.paths.store}}: ")
        .doesNotContain(blocker.resolve("store").toString());
  }

  @Test
  void aDebugTraceShowsTheReferenceInsteadOfTheValue() throws IOException {
    Path blocker =
        Files.writeString(
            tmp.resolve("not-a-folder-8c1b"), "a file where the store's folder should be");
    String value = blocker.resolve("store").toString();
    ok("secret", "create", "paths", "--store=" + value);
    ok(
        "artifact-store",
        "register",
        "broken",
        "--flavor",
        "local",
        "--path={{secret.paths.store}}");
    ok("stack", "register", "broken", "-o", "default", "-a", "broken", "--set");

    Result r = run(Tiny.class, "--debug");

    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .startsWith("error: cannot open the artifact store at {{secret.paths.store}}: ")
        .contains("\tat ", "{{secret.paths.store}}");
    assertThat(r.out() + r.err())
        .doesNotContain(value)
        .doesNotContain(blocker.toUri().getRawPath() + "store");
  }

  /**
   * A secret reference in the {@code jvmArgs} of a local orchestrator with process isolation: the
   * step's JVM gets the value, and the step's output and error that hold it are shown, stored and
   * logged with the reference instead: console, {@code runs describe}, {@code runs list -o json},
   * {@code runs logs}, {@code --debug}, the database and the saved step logs.
   */
  @Test
  void aSecretInJvmArgsReachesTheStepResolvedAndItsValueIsNeverShownNorStored() throws IOException {
    String value = "tok-5e1f9a7c3b2d";
    List<Result> outputs = new ArrayList<>();
    outputs.add(ok("secret", "create", "probe", "--token=" + value));
    outputs.add(
        ok(
            "orchestrator",
            "register",
            "proc",
            "--flavor",
            "local",
            "--isolation=process",
            "--jvm-args=-D" + CliPipelines.SecretProbe.PROPERTY + "={{secret.probe.token}}"));
    outputs.add(ok("stack", "register", "probing", "-o", "proc", "-a", "default", "--set"));

    Result run = run(CliPipelines.SecretProbe.class, "--debug");
    outputs.add(run);
    assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
    String id = run.runId();
    assertThat(run.out()).containsPattern(stepLine("login", "token resolved: true"));
    assertThat(run.out())
        .containsPattern(stepLine("login", "logging in with token \\{\\{secret\\.probe\\.token}}"));
    assertThat(run.out()).contains("login refused for token {{secret.probe.token}}");

    Result describe = ok("runs", "describe", id);
    assertThat(describe.out()).contains("login refused for token {{secret.probe.token}}");
    outputs.add(describe);
    JsonNode describeJson = ok("runs", "describe", id, "-o", "json").json();
    assertThat(describeJson.toString()).contains("login refused for token {{secret.probe.token}}");
    outputs.add(ok("runs", "describe", id, "-o", "json"));
    JsonNode list = ok("runs", "list", "-o", "json").json();
    assertThat(list.get(0).get("error").asText())
        .contains("login refused for token {{secret.probe.token}}");
    outputs.add(ok("runs", "list", "-o", "json"));
    outputs.add(ok("runs", "list"));
    Result logs = ok("runs", "logs", id);
    assertThat(logs.out()).contains("logging in with token {{secret.probe.token}}");
    outputs.add(logs);
    // a resume (same plan, references still unresolved in it) resolves them again
    Result resumed = cli("runs", "resume", id, "--debug");
    assertThat(resumed.exitCode()).as("%s", resumed).isEqualTo(1);
    assertThat(resumed.out()).containsPattern(stepLine("login", "token resolved: true"));
    outputs.add(resumed);

    for (Result r : outputs) {
      assertThat(r.out()).as("%s", r).doesNotContain(value);
      assertThat(r.err()).as("%s", r).doesNotContain(value);
    }
    assertThat(describeJson.get("plan").toString())
        .contains("{{secret.probe.token}}")
        .doesNotContain(value);
    assertThat(dbBytesContain(value)).as("value in the database").isFalse();
    try (Stream<Path> files = Files.walk(project.resolve(".skiff/artifacts"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
            .as("%s", f)
            .doesNotContain(value);
      }
    }
  }

  private boolean dbBytesContain(String text) throws IOException {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.list(project.resolve(".skiff"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        if (bytes.contains(new String(needle, StandardCharsets.ISO_8859_1))) {
          return true;
        }
      }
    }
    return false;
  }

  private static Result withStdin(String input, java.util.function.Supplier<Result> command) {
    InputStream previous = System.in;
    System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
    try {
      return command.get();
    } finally {
      System.setIn(previous);
    }
  }
}
