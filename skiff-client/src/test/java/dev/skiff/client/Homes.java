package dev.skiff.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.cli.SkiffCli;
import dev.skiff.testing.postgres.PostgresServer;
import dev.skiff.testing.s3.S3Server;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Skiff homes made with the CLI, as a user would, and runs made in them. */
final class Homes {
  private Homes() {}

  /** {@code skiff init}: metadata in SQLite, artifacts in the home's folder. */
  static Path local(Path project) {
    skiff(project, "init", project.toString());
    return project;
  }

  /**
   * Metadata in a new database of the embedded PostgreSQL server (password sealed in the home),
   * artifacts in a new bucket of the in-process S3 server (keys kept as a secret), as the active
   * stack {@code remote}; returns the bucket.
   */
  static String remote(Path project) {
    PostgresServer postgres = PostgresServer.shared();
    S3Server s3 = S3Server.shared();
    String bucket = s3.createBucket("client-" + UUID.randomUUID().toString().substring(0, 8));
    skiff(
        project,
        "init",
        project.toString(),
        "--metadata-url=" + postgres.newDatabase() + "&password=" + postgres.password());
    skiff(
        project,
        "secret",
        "create",
        "s3",
        "--access_key_id=" + s3.accessKey(),
        "--secret_access_key=" + s3.secretKey());
    skiff(
        project,
        "artifact-store",
        "register",
        "bucket",
        "--flavor",
        "s3",
        "--path=s3://" + bucket + "/skiff",
        "--endpoint=" + s3.endpoint(),
        "--path-style=true",
        "--access-key-id={{secret.s3.access_key_id}}",
        "--secret-access-key={{secret.s3.secret_access_key}}");
    skiff(project, "stack", "register", "remote", "-o", "default", "-a", "bucket", "--set");
    return bucket;
  }

  /** {@code skiff ARGS --project PROJECT} (init without it), which must succeed. */
  static String skiff(Path project, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!args[0].equals("init")) {
      all.add("--project");
      all.add(project.toString());
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        SkiffCli.execute(
            all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as("skiff %s%n%s%n%s", String.join(" ", args), out, err).isZero();
    return out.toString();
  }
}
