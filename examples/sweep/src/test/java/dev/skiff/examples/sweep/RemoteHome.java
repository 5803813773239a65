package dev.skiff.examples.sweep;

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

/**
 * A Skiff home as a cluster needs it (as in the digits example's tests), made with the CLI:
 * metadata in a new PostgreSQL database of the embedded server (password sealed in the home), and
 * an {@code s3} artifact store named {@code bucket} in a new bucket of the in-process S3 server,
 * its keys kept as a secret.
 */
final class RemoteHome {
  final Path project;
  final String bucket;

  private RemoteHome(Path project, String bucket) {
    this.project = project;
    this.bucket = bucket;
  }

  static RemoteHome create(Path project) {
    PostgresServer postgres = PostgresServer.shared();
    S3Server s3 = S3Server.shared();
    String bucket = s3.createBucket("sweep-" + UUID.randomUUID().toString().substring(0, 8));
    RemoteHome home = new RemoteHome(project, bucket);
    home.skiff(
        "init",
        project.toString(),
        "--metadata-url=" + postgres.newDatabase() + "&password=" + postgres.password());
    home.skiff(
        "secret",
        "create",
        "s3",
        "--access_key_id=" + s3.accessKey(),
        "--secret_access_key=" + s3.secretKey());
    home.skiff(
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
    return home;
  }

  /** {@code skiff ARGS --project HOME} (init without it), which must succeed; returns stdout. */
  String skiff(String... args) {
    return skiff(true, args);
  }

  /** {@code skiff ARGS --project HOME}, which must exit non-zero; returns stdout. */
  String skiffFailing(String... args) {
    return skiff(false, args);
  }

  private String skiff(boolean succeeds, String... args) {
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
    if (succeeds) {
      assertThat(code).as("skiff %s%n%s%n%s", String.join(" ", args), out, err).isZero();
    } else {
      assertThat(code).as("skiff %s%n%s%n%s", String.join(" ", args), out, err).isNotZero();
    }
    return out.toString();
  }
}
