package dev.skiff.bench;

import dev.skiff.artifacts.LocalArtifactStore;
import dev.skiff.artifacts.s3.S3ArtifactStore;
import dev.skiff.artifacts.s3.S3ArtifactStoreConfig;
import dev.skiff.artifacts.s3.S3Clients;
import dev.skiff.testing.s3.S3Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What the artifact stores cost on top of the plainest way to move the same bytes, at 1 MiB and 256
 * MiB: the local store's write (temporary file, fsync, rename, folder fsync) and read against
 * {@code Files.copy} into a file with the same fsyncs and a plain file read; the s3 store's write
 * (PutObject or streamed multipart) and read against the AWS SDK's own putObject and getObject with
 * the same client settings, on an in-process s3proxy (and, above one part, against the same
 * multipart upload done by hand). Prints medians after warm-up and the throughput ratios
 * store/baseline (goals: local at least 0.9, s3 at least 0.8).
 *
 * <p>Run: {@code ./mvnw -q -pl bench package -DskipTests && java -cp
 * "bench/target/skiff-bench.jar:bench/target/lib/*" dev.skiff.bench.ArtifactStoreBench}
 */
public final class ArtifactStoreBench {
  private static final int MIB = 1024 * 1024;
  private static final double LOCAL_GOAL = 0.9;
  private static final double S3_GOAL = 0.8;

  private final List<String[]> rows = new ArrayList<>();

  private ArtifactStoreBench() {}

  /** One operation to time; {@code round} lets it use a fresh path when it must. */
  @FunctionalInterface
  private interface Op {
    void run(int round) throws IOException;
  }

  /** Rounds for a size: many for small blobs (noisy), few for large ones (slow). */
  private record Plan(int size, int warmUp, int rounds) {}

  public static void main(String[] args) throws Exception {
    List<Plan> plans = List.of(new Plan(MIB, 50, 51), new Plan(256 * MIB, 2, 7));
    ArtifactStoreBench bench = new ArtifactStoreBench();
    Path dir = Files.createTempDirectory("skiff-store-bench");
    try (S3Server s3 = S3Server.start(dir.resolve("s3"))) {
      s3.createBucket("bench");
      for (Plan plan : plans) {
        byte[] bytes = generated(plan.size());
        bench.local(dir.resolve("local-" + plan.size()), bytes, plan);
        bench.s3(s3, bytes, plan);
      }
    } finally {
      deleteTree(dir);
    }
    bench.print();
  }

  private void local(Path dir, byte[] bytes, Plan plan) throws IOException {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("store"));
    Path plain = Files.createDirectories(dir.resolve("plain")).resolve("blob");
    double[] write =
        medians(
            plan,
            round -> store.write("runs/r/s/1/blob", out -> out.write(bytes)),
            round -> {
              Files.copy(
                  new ByteArrayInputStream(bytes), plain, StandardCopyOption.REPLACE_EXISTING);
              try (FileChannel file = FileChannel.open(plain, StandardOpenOption.WRITE)) {
                file.force(false);
              }
              try (FileChannel folder =
                  FileChannel.open(plain.getParent(), StandardOpenOption.READ)) {
                folder.force(true);
              }
            });
    byte[] buffer = new byte[64 * 1024];
    double[] read =
        medians(
            plan,
            round -> drain(store.open("runs/r/s/1/blob"), buffer),
            round -> drain(Files.newInputStream(plain), buffer));
    add("local", "write", bytes.length, write, "Files.copy + fsync file and folder", LOCAL_GOAL);
    add("local", "read", bytes.length, read, "Files.newInputStream", LOCAL_GOAL);
  }

  private void s3(S3Server s3, byte[] bytes, Plan plan) throws IOException {
    S3ArtifactStoreConfig config =
        S3ArtifactStoreConfig.forServer(
            "s3://bench/skiff-" + bytes.length, s3.endpoint(), s3.accessKey(), s3.secretKey());
    String rawKey = "raw-" + bytes.length + "/blob";
    byte[] buffer = new byte[64 * 1024];
    try (S3ArtifactStore store = new S3ArtifactStore(config);
        S3Client raw = S3Clients.create(config)) {
      double[] write =
          medians(
              plan,
              round -> store.write("runs/r/s/1/blob", out -> out.write(bytes)),
              round ->
                  raw.putObject(
                      b -> b.bucket("bench").key(rawKey).contentLength((long) bytes.length),
                      RequestBody.fromContentProvider(
                          () -> new ByteArrayInputStream(bytes),
                          bytes.length,
                          "application/octet-stream")));
      double[] read =
          medians(
              plan,
              round -> drain(store.open("runs/r/s/1/blob"), buffer),
              round -> drain(raw.getObject(b -> b.bucket("bench").key(rawKey)), buffer));
      add("s3", "write", bytes.length, write, "S3Client.putObject", S3_GOAL);
      add("s3", "read", bytes.length, read, "S3Client.getObject", S3_GOAL);
      if (bytes.length > S3ArtifactStore.PART_SIZE) {
        // what the store's write is made of, done by hand: tells the store's own overhead apart
        // from
        // the server's cost of multipart uploads (s3proxy copies every part again on completion)
        String multipartKey = "raw-multipart-" + bytes.length + "/blob";
        double[] multipart =
            medians(
                plan,
                round -> store.write("runs/r/s/1/blob", out -> out.write(bytes)),
                round -> rawMultipart(raw, multipartKey, bytes));
        add(
            "s3",
            "write",
            bytes.length,
            multipart,
            "S3Client multipart, 8 MiB parts in turn",
            S3_GOAL);
      }
    }
  }

  /** A multipart upload of {@code bytes} in parts of the store's size, one after the other. */
  private static void rawMultipart(S3Client raw, String key, byte[] bytes) {
    String uploadId = raw.createMultipartUpload(b -> b.bucket("bench").key(key)).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    for (int offset = 0, number = 1;
        offset < bytes.length;
        offset += S3ArtifactStore.PART_SIZE, number++) {
      int from = offset;
      int n = Math.min(S3ArtifactStore.PART_SIZE, bytes.length - offset);
      int part = number;
      String eTag =
          raw.uploadPart(
                  b ->
                      b.bucket("bench")
                          .key(key)
                          .uploadId(uploadId)
                          .partNumber(part)
                          .contentLength((long) n),
                  RequestBody.fromContentProvider(
                      () -> new ByteArrayInputStream(bytes, from, n),
                      n,
                      "application/octet-stream"))
              .eTag();
      parts.add(CompletedPart.builder().partNumber(part).eTag(eTag).build());
    }
    raw.completeMultipartUpload(
        b -> b.bucket("bench").key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
  }

  private void add(
      String store, String op, int size, double[] seconds, String baseline, double goal) {
    double storeSeconds = seconds[0];
    double baselineSeconds = seconds[1];
    double ratio = baselineSeconds / storeSeconds; // throughput store / throughput baseline
    rows.add(
        new String[] {
          store,
          op,
          size / MIB + " MiB",
          String.format("%.1f", size / MIB / storeSeconds),
          String.format("%.1f", size / MIB / baselineSeconds),
          baseline,
          String.format("%.2f", ratio),
          String.format("%s %.1f", ratio >= goal ? "ok >=" : "BELOW", goal)
        });
    System.out.printf(
        "%s %s %d MiB: store %.2f ms, baseline %.2f ms%n",
        store, op, size / MIB, storeSeconds * 1e3, baselineSeconds * 1e3);
  }

  private void print() {
    String[] header = {
      "STORE", "OP", "SIZE", "STORE MiB/s", "BASELINE MiB/s", "BASELINE", "RATIO", "GOAL"
    };
    int[] widths = new int[header.length];
    for (String[] row : concat(header, rows)) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    System.out.println();
    for (String[] row : concat(header, rows)) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      System.out.println(line.toString().stripTrailing());
    }
  }

  private static List<String[]> concat(String[] header, List<String[]> rows) {
    List<String[]> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    return all;
  }

  /**
   * Median seconds of {@code store} and of {@code baseline} over {@code plan.rounds()} rounds after
   * {@code plan.warmUp()} unmeasured ones. Each round runs both, in alternating order, so drift
   * (JIT, page cache, the disk's write-back) weighs on both alike.
   */
  private static double[] medians(Plan plan, Op store, Op baseline) throws IOException {
    for (int i = 0; i < plan.warmUp(); i++) {
      store.run(i);
      baseline.run(i);
    }
    double[] storeSeconds = new double[plan.rounds()];
    double[] baselineSeconds = new double[plan.rounds()];
    for (int i = 0; i < plan.rounds(); i++) {
      if (i % 2 == 0) {
        storeSeconds[i] = time(store, plan.warmUp() + i);
        baselineSeconds[i] = time(baseline, plan.warmUp() + i);
      } else {
        baselineSeconds[i] = time(baseline, plan.warmUp() + i);
        storeSeconds[i] = time(store, plan.warmUp() + i);
      }
    }
    return new double[] {median(storeSeconds), median(baselineSeconds)};
  }

  private static double time(Op op, int round) throws IOException {
    long start = System.nanoTime();
    op.run(round);
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(double[] seconds) {
    double[] sorted = seconds.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static void drain(InputStream in, byte[] buffer) throws IOException {
    try (in) {
      while (in.read(buffer) >= 0) {
        // reading is what is measured
      }
    }
  }

  private static byte[] generated(int size) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < size; i += 8) {
      long v = random.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++) {
        bytes[i + j] = (byte) (v >>> (8 * j));
      }
    }
    return bytes;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
