package dev.skiff.cli.internal;

import dev.skiff.core.spi.ArtifactReader;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.sdk.Materializer;
import dev.skiff.sdk.Matrix;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skiff artifacts}: step outputs and visualizations. */
@Command(
    name = "artifacts",
    description = "List and show artifacts: step outputs and visualizations.",
    subcommands = {ArtifactsCommand.ListArtifacts.class, ArtifactsCommand.Show.class})
public final class ArtifactsCommand {
  private static final int PREVIEW_BYTES = 4096;

  @Command(name = "list", description = "List artifacts, newest first.")
  static final class ListArtifacts implements Callable<Integer> {
    @Option(
        names = "--run",
        paramLabel = "RUN",
        description = "Only the outputs of this run (id or unique prefix).")
    String run;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "At most N artifacts (default: ${DEFAULT-VALUE}).")
    int limit = 50;

    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (MetadataStore store = project.project().openMetadataStore()) {
        String runId = run == null ? null : Lookup.run(store, run).id();
        List<ArtifactRecord> artifacts = store.listArtifacts(runId, limit);
        if (output == OutputFormat.json) {
          JsonOutput.print(out, artifacts);
          return 0;
        }
        Ansi ansi = Ansi.auto();
        Table t = new Table("ARTIFACT", "RUN", "STEP", "NAME", "KIND", "TYPE", "SIZE", "SHA-256");
        for (ArtifactRecord a : artifacts) {
          t.row(
              Format.shortId(a.id()),
              a.runId(),
              a.step(),
              a.name(),
              a.kind().name().toLowerCase(),
              a.type(),
              Format.size(a.size()),
              a.contentHash().substring(0, 12));
        }
        t.print(out, ansi);
      }
      return 0;
    }
  }

  @Command(
      name = "show",
      description = {
        "Show an artifact: its metadata and a preview of its value; visualizations can be opened or saved.",
        "The bytes are read from the artifact store of the stack the artifact's run used."
      })
  static final class Show implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "ARTIFACT",
        description = "Artifact id or a unique prefix of it.")
    String id;

    @Option(
        names = "--open",
        description =
            "Open a visualization in the browser (prints its file when no browser can be started).")
    boolean open;

    @Option(
        names = "--save",
        paramLabel = "FILE",
        description = "Write the artifact's stored bytes to FILE.")
    Path save;

    @Option(
        names = {"--output", "-o"},
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output = OutputFormat.table;

    @Mixin ProjectOptions project;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (Workspace workspace = Workspace.open(project.project(), spec.commandLine().getErr())) {
        MetadataStore store = workspace.store();
        ArtifactRecord a = Lookup.artifact(store, id);
        ArtifactStore artifacts = workspace.artifactsOf(Lookup.run(store, a.runId()), a.path());
        if (output == OutputFormat.json) {
          JsonOutput.print(out, a);
        } else {
          Map<String, Object> fields = new LinkedHashMap<>();
          fields.put("id", a.id());
          fields.put("run", a.runId());
          fields.put("step", a.step());
          fields.put("name", a.name());
          fields.put("kind", a.kind().name().toLowerCase());
          fields.put("type", a.type());
          fields.put("materializer", a.materializer());
          fields.put("size", Format.size(a.size()));
          fields.put("sha-256", a.contentHash());
          fields.put("created", Format.time(a.createdAt()));
          fields.put("uri", Redactor.redact(blobUri(artifacts.uri(), a.path())));
          fields.forEach((k, v) -> out.printf("%-13s %s%n", k + ":", v == null ? "" : v));
          if (a.kind() == ArtifactRecord.Kind.DATA && save == null && !open) {
            out.println();
            out.println(preview(a, artifacts));
          }
        }
        if (save != null) {
          saveVerified(a, artifacts, save.toAbsolutePath());
          out.println("saved to " + save.toAbsolutePath());
        }
        if (open) {
          openInBrowser(a, artifacts, out);
        }
        out.flush();
      }
      return 0;
    }

    private static void openInBrowser(ArtifactRecord a, ArtifactStore artifacts, PrintWriter out)
        throws IOException {
      Path file = artifacts.localFile(a.path()).orElse(null);
      if (file == null) {
        String ext = a.path().contains(".") ? a.path().substring(a.path().lastIndexOf('.')) : "";
        file = Files.createTempFile("skiff-" + a.name() + "-", ext);
        saveVerified(a, artifacts, file);
      }
      if (!Browser.open(file)) {
        out.println(
            "no browser could be started here; open this file in one: "
                + Redactor.redact(file.toUri().toString()));
      } else {
        out.println("opened " + Redactor.redact(file.toUri().toString()));
      }
    }

    /**
     * The blob's address: the store's URI with the path appended before any query ({@code
     * ?endpoint=...}).
     */
    static String blobUri(String storeUri, String path) {
      int query = storeUri.indexOf('?');
      String base = query < 0 ? storeUri : storeUri.substring(0, query);
      return base.replaceAll("/$", "") + "/" + path + (query < 0 ? "" : storeUri.substring(query));
    }

    /**
     * Copies the artifact to {@code target} through a temporary file checked against the content
     * hash: a damaged artifact leaves nothing at {@code target}.
     */
    private static void saveVerified(ArtifactRecord a, ArtifactStore artifacts, Path target)
        throws IOException {
      Files.createDirectories(target.getParent());
      Path temp = Files.createTempFile(target.getParent(), ".skiff-save-", ".tmp");
      try {
        try (InputStream in = ArtifactReader.open(artifacts, a)) {
          Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(
            temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    }

    /** A short text form of the value, read with the materializer that wrote it. */
    private static String preview(ArtifactRecord a, ArtifactStore artifacts) throws IOException {
      if ("skiff.json/v1".equals(a.materializer()) || "skiff.string/v1".equals(a.materializer())) {
        try (InputStream in = ArtifactReader.open(artifacts, a)) {
          byte[] head = in.readNBytes(PREVIEW_BYTES);
          String text = new String(head, StandardCharsets.UTF_8);
          return head.length == PREVIEW_BYTES ? text + "…" : text;
        }
      }
      Class<?> type = JavaTypes.resolve(a.type());
      if (type == null) {
        return "(preview needs the class " + a.type() + "; use --save FILE to get the bytes)";
      }
      Materializer m =
          Materializers.load(ArtifactsCommand.class.getClassLoader()).byId(a.materializer());
      try (InputStream in = ArtifactReader.open(artifacts, a)) {
        return describe(m.read(type, in));
      }
    }

    private static String describe(Object value) {
      if (value instanceof Matrix m) {
        StringBuilder sb = new StringBuilder("Matrix " + m.rows() + " x " + m.cols());
        for (int r = 0; r < Math.min(5, m.rows()); r++) {
          sb.append('\n').append(shortArray(m.row(r)));
        }
        return m.rows() > 5 ? sb.append("\n…").toString() : sb.toString();
      }
      if (value != null && value.getClass().isArray()) {
        return value.getClass().getComponentType().getSimpleName()
            + "["
            + Array.getLength(value)
            + "] "
            + shortArray(value);
      }
      return String.valueOf(value);
    }

    private static String shortArray(Object array) {
      int n = Array.getLength(array);
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < Math.min(n, 16); i++) {
        Object item = Array.get(array, i);
        sb.append(i == 0 ? "" : ", ")
            .append(item != null && item.getClass().isArray() ? "[…]" : item);
      }
      return sb.append(n > 16 ? ", …]" : "]").toString();
    }
  }
}
