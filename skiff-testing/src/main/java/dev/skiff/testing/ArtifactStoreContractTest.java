package dev.skiff.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.spi.ArtifactReader;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.ArtifactStore.Appender;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link ArtifactStore} backend must have. A backend's test extends this class
 * and says how to make an empty store and how to damage a stored blob. Test methods are public so
 * that a backend which cannot pass a case overrides it with {@code @Test @Disabled("why")}.
 */
@Timeout(120)
public abstract class ArtifactStoreContractTest {
  /**
   * Larger than a multipart store's part (8 MiB for S3), so streaming writes span several parts.
   */
  protected static final int LARGE = 20 * 1024 * 1024;

  protected ArtifactStore store;

  /** A new, empty store; called before each test. */
  protected abstract ArtifactStore newStore() throws Exception;

  /** Changes one byte of the stored blob at {@code path}, keeping its length. */
  protected abstract void corrupt(ArtifactStore store, String path) throws IOException;

  /** Releases the store after each test; default: closes it when it is {@link AutoCloseable}. */
  protected void release(ArtifactStore store) throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void releaseStore() throws Exception {
    release(store);
  }

  // ---- write, read, replace

  @Test
  public void writtenBlobsReadBackUnchanged() throws IOException {
    byte[] empty = new byte[0];
    byte[] text = "hello, artifacts".getBytes(StandardCharsets.UTF_8);
    byte[] binary = generated(1, 300_000);

    write("runs/r1/load/1/empty", empty);
    write("runs/r1/load/1/text", text);
    write("runs/r1/load/1/binary", binary);

    assertThat(read("runs/r1/load/1/empty")).isEmpty();
    assertThat(read("runs/r1/load/1/text")).isEqualTo(text);
    assertThat(read("runs/r1/load/1/binary")).isEqualTo(binary);
  }

  @Test
  public void ordinaryNamesAreAccepted() throws IOException {
    for (String path : List.of("a", "a.b", "..a", "a..", "run-2024-05-01T12:00:00/x y/ü.bin")) {
      write(path, path.getBytes(StandardCharsets.UTF_8));
      assertThat(new String(read(path), StandardCharsets.UTF_8)).isEqualTo(path);
    }
  }

  @Test
  public void writingAgainReplacesTheBlob() throws IOException {
    write("a", "first, and longer".getBytes(StandardCharsets.UTF_8));
    write("a", "second".getBytes(StandardCharsets.UTF_8));

    assertThat(new String(read("a"), StandardCharsets.UTF_8)).isEqualTo("second");
    assertThat(store.list("")).containsExactly("a");
  }

  @Test
  public void aLargeBlobIsStreamedInAndOut() throws IOException {
    MessageDigest written = sha256();
    store.write(
        "big/blob",
        out -> {
          SplittableRandom random = new SplittableRandom(42);
          byte[] chunk = new byte[64 * 1024 + 7]; // odd size: parts never line up with writes
          for (long left = LARGE; left > 0; ) {
            int n = (int) Math.min(chunk.length, left);
            fill(random, chunk, n);
            out.write(chunk, 0, n);
            written.update(chunk, 0, n);
            left -= n;
          }
        });

    MessageDigest read = sha256();
    long size = 0;
    try (InputStream in = store.open("big/blob")) {
      byte[] buffer = new byte[100_000];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        read.update(buffer, 0, n);
        size += n;
      }
    }
    assertThat(size).isEqualTo(LARGE);
    assertThat(HexFormat.of().formatHex(read.digest()))
        .isEqualTo(HexFormat.of().formatHex(written.digest()));
  }

  @Test
  public void singleByteWritesWork() throws IOException {
    store.write(
        "bytes",
        out -> {
          for (int i = 0; i < 1000; i++) {
            out.write(i);
          }
        });
    byte[] back = read("bytes");
    assertThat(back).hasSize(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(back[i]).isEqualTo((byte) i);
    }
  }

  // ---- failed writes

  @Test
  public void aWriterThatThrowsLeavesNothingVisible() throws IOException {
    assertThatThrownBy(
            () ->
                store.write(
                    "fresh",
                    out -> {
                      out.write("half of it".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("materializer failed");
                    }))
        .isInstanceOf(IOException.class)
        .hasMessage("materializer failed");
    assertThatThrownBy(
            () ->
                store.write(
                    "fresh",
                    out -> {
                      out.write(1);
                      throw new IllegalStateException("boom");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("boom");

    assertThat(store.exists("fresh")).isFalse();
    assertThat(store.list("")).isEmpty();
  }

  @Test
  public void aWriterThatThrowsKeepsTheOldBlob() throws IOException {
    write("kept", "old".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(
            () ->
                store.write(
                    "kept",
                    out -> {
                      out.write("half of the new".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("materializer failed");
                    }))
        .hasMessage("materializer failed");

    assertThat(new String(read("kept"), StandardCharsets.UTF_8)).isEqualTo("old");
    assertThat(store.list("")).containsExactly("kept");
  }

  @Test
  public void aWriterThatThrowsAfterManyBytesLeavesNothingVisible() throws IOException {
    write("kept", "old".getBytes(StandardCharsets.UTF_8));
    for (String path : List.of("fresh", "kept")) {
      assertThatThrownBy(
              () ->
                  store.write(
                      path,
                      out -> {
                        byte[] chunk = generated(7, 1024 * 1024);
                        for (int i = 0; i < LARGE / chunk.length; i++) {
                          out.write(chunk);
                        }
                        throw new IOException("out of disk in the materializer");
                      }))
          .hasMessage("out of disk in the materializer");
    }

    assertThat(store.exists("fresh")).isFalse();
    assertThat(new String(read("kept"), StandardCharsets.UTF_8)).isEqualTo("old");
    assertThat(store.list("")).containsExactly("kept");
  }

  // ---- exists, list, delete

  @Test
  public void existsOnlyForBlobs() throws IOException {
    assertThat(store.exists("x/y")).isFalse();
    write("x/y", new byte[] {1});

    assertThat(store.exists("x/y")).isTrue();
    assertThat(store.exists("x")).as("a folder is not a blob").isFalse();
  }

  @Test
  public void aPathBelowABlobIsNoBlob() throws IOException {
    write("x/y", new byte[] {1});

    assertThat(store.exists("x/y/z")).isFalse();
  }

  @Test
  public void listGivesSortedPathsUnderAPrefix() throws IOException {
    for (String path :
        List.of(
            "runs/r2/logs/b.log",
            "runs/r1/train/1/model",
            "runs/r1/load/1/x",
            "runs/r10/load/1/x",
            "other/z",
            "runs/r1/logs/load.log")) {
      write(path, path.getBytes(StandardCharsets.UTF_8));
    }

    assertThat(store.list(""))
        .containsExactly(
            "other/z",
            "runs/r1/load/1/x",
            "runs/r1/logs/load.log",
            "runs/r1/train/1/model",
            "runs/r10/load/1/x",
            "runs/r2/logs/b.log");
    assertThat(store.list("runs/r1/"))
        .containsExactly("runs/r1/load/1/x", "runs/r1/logs/load.log", "runs/r1/train/1/model");
    assertThat(store.list("runs/r1"))
        .as("a prefix need not end at a '/'")
        .containsExactly(
            "runs/r1/load/1/x",
            "runs/r1/logs/load.log",
            "runs/r1/train/1/model",
            "runs/r10/load/1/x");
    assertThat(store.list("runs/r1/logs/")).containsExactly("runs/r1/logs/load.log");
    assertThat(store.list("nothing/")).isEmpty();
  }

  @Test
  public void deleteRemovesTheBlobAndIgnoresMissingOnes() throws IOException {
    write("x/y", new byte[] {1});
    write("x/z", new byte[] {2});

    store.delete("x/y");
    store.delete("x/y");
    store.delete("never/was");

    assertThat(store.exists("x/y")).isFalse();
    assertThat(store.list("")).containsExactly("x/z");
    assertThatThrownBy(() -> store.open("x/y")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  public void openingAMissingBlobFailsWithNoSuchFile() {
    assertThatThrownBy(() -> store.open("runs/r1/none")).isInstanceOf(NoSuchFileException.class);
  }

  // ---- appends and logs

  @Test
  public void appendCreatesAndExtends() throws IOException {
    store.append("logs/step.log", "one\n".getBytes(StandardCharsets.UTF_8));
    store.append("logs/step.log", "two\n".getBytes(StandardCharsets.UTF_8));
    store.append("logs/step.log", new byte[0]);

    assertThat(new String(read("logs/step.log"), StandardCharsets.UTF_8)).isEqualTo("one\ntwo\n");
  }

  @Test
  public void appenderKeepsLinesInOrderAndPublishesThemOnClose() throws IOException {
    store.append("runs/r1/logs/train.log", "attempt 1\n".getBytes(StandardCharsets.UTF_8));
    StringBuilder expected = new StringBuilder("attempt 1\n");
    Appender log = store.appender("runs/r1/logs/train.log");
    for (int i = 0; i < 200; i++) {
      String line = "line " + i + "\n";
      log.append(line.getBytes(StandardCharsets.UTF_8));
      expected.append(line);
    }
    log.close();

    assertThat(new String(read("runs/r1/logs/train.log"), StandardCharsets.UTF_8))
        .isEqualTo(expected.toString());
  }

  @Test
  public void appenderTakesLinesFromManyThreadsWhole() throws Exception {
    Appender log = store.appender("logs/many.log");
    int threads = 6;
    int lines = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < lines; i++) {
                  log.append(
                      ("thread-" + thread + " line-" + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    log.close();

    List<String> read = new String(read("logs/many.log"), StandardCharsets.UTF_8).lines().toList();
    assertThat(read).hasSize(threads * lines);
    Map<Integer, Integer> next = new HashMap<>();
    for (String line : read) {
      assertThat(line).matches("thread-\\d+ line-\\d+");
      int thread = Integer.parseInt(line.substring("thread-".length(), line.indexOf(' ')));
      int i = Integer.parseInt(line.substring(line.indexOf("line-") + "line-".length()));
      assertThat(i)
          .as("lines of thread %d in order", thread)
          .isEqualTo(next.getOrDefault(thread, 0));
      next.put(thread, i + 1);
    }
  }

  @Test
  public void appendsAfterCloseAreSavedEventually() throws Exception {
    Appender log = store.appender("logs/late.log");
    log.append("during the step\n".getBytes(StandardCharsets.UTF_8));
    log.close();
    assertThat(new String(read("logs/late.log"), StandardCharsets.UTF_8))
        .isEqualTo("during the step\n");

    // a pod's log stream may still drain after its step ended
    log.append("drained late\n".getBytes(StandardCharsets.UTF_8));

    long deadline = System.nanoTime() + 10_000_000_000L;
    String content;
    do {
      Thread.sleep(100);
      content = new String(read("logs/late.log"), StandardCharsets.UTF_8);
    } while (!content.contains("drained late") && System.nanoTime() < deadline);
    assertThat(content).isEqualTo("during the step\ndrained late\n");
  }

  // ---- paths

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "..",
        "../x",
        "a/../../x",
        "a/..",
        "./a",
        "a/./b",
        "/etc/passwd",
        "a//b",
        "a/",
        "a\\..\\x",
        "nul\0byte"
      })
  public void pathsThatLeaveTheStoreAreRejected(String path) throws IOException {
    assertThatThrownBy(() -> store.write(path, out -> out.write(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.open(path)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.exists(path)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.append(path, new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.delete(path)).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.list("")).isEmpty();
  }

  // ---- the store itself

  @Test
  public void checkPassesOnAGoodStore() {
    store.check();
  }

  @Test
  public void uriNamesTheStoreWithoutATrailingSlash() {
    assertThat(store.uri()).isNotBlank().doesNotEndWith("/").contains(":");
  }

  // ---- integrity

  @Test
  public void readsAreCheckedAgainstTheRecordedContentHash() throws IOException {
    byte[] model = generated(3, 100_000);
    write("runs/r1/train/1/model", model);
    ArtifactRecord record = record("runs/r1/train/1/model", model);
    try (InputStream in = ArtifactReader.open(store, record)) {
      assertThat(in.readAllBytes()).isEqualTo(model);
    }

    corrupt(store, "runs/r1/train/1/model");

    byte[] stored = read("runs/r1/train/1/model");
    assertThat(stored).hasSameSizeAs(model).isNotEqualTo(model);
    String storedHash = hex(stored);
    assertThatThrownBy(
            () -> {
              try (InputStream in = ArtifactReader.open(store, record)) {
                in.readAllBytes();
              }
            })
        .isInstanceOf(ArtifactReader.CorruptArtifactException.class)
        .hasMessage(
            "artifact a1b2c3 (output 'model' of step 'train' in run r1) is corrupt: its recorded sha256 is "
                + record.contentHash()
                + " but the stored bytes hash to "
                + storedHash
                + "; its producer runs again on the next run");
  }

  @Test
  public void aMissingArtifactIsReportedWithItsStore() throws IOException {
    ArtifactRecord record = record("runs/r1/train/1/model", new byte[] {1, 2, 3});

    assertThatThrownBy(() -> ArtifactReader.open(store, record))
        .isInstanceOf(ArtifactReader.CorruptArtifactException.class)
        .hasMessage(
            "artifact a1b2c3 (output 'model' of step 'train' in run r1) is missing from the artifact store "
                + store.uri()
                + " (runs/r1/train/1/model)");
  }

  // ---- helpers for subclasses

  /** Writes {@code bytes} in one call. */
  protected void write(String path, byte[] bytes) throws IOException {
    store.write(path, out -> out.write(bytes));
  }

  /** The stored bytes, read through the store. */
  protected byte[] read(String path) throws IOException {
    try (InputStream in = store.open(path)) {
      return in.readAllBytes();
    }
  }

  /** {@code size} pseudo-random bytes, the same for the same seed. */
  protected static byte[] generated(long seed, int size) {
    byte[] bytes = new byte[size];
    fill(new SplittableRandom(seed), bytes, size);
    return bytes;
  }

  /** Flips every bit of the middle byte of the blob by rewriting it through {@code store}. */
  protected static void flipAByteThroughTheStore(ArtifactStore store, String path)
      throws IOException {
    byte[] bytes;
    try (InputStream in = store.open(path)) {
      bytes = in.readAllBytes();
    }
    bytes[bytes.length / 2] ^= (byte) 0xff;
    byte[] damaged = bytes;
    store.write(path, (OutputStream out) -> out.write(damaged));
  }

  private static void fill(SplittableRandom random, byte[] bytes, int n) {
    for (int i = 0; i < n; i += 8) {
      long v = random.nextLong();
      for (int j = 0; j < 8 && i + j < n; j++) {
        bytes[i + j] = (byte) (v >>> (8 * j));
      }
    }
  }

  private static ArtifactRecord record(String path, byte[] bytes) {
    return new ArtifactRecord(
        "a1b2c3",
        "r1",
        "train",
        "model",
        ArtifactRecord.Kind.DATA,
        "byte[]",
        "skiff.array/v1",
        path,
        hex(bytes),
        bytes.length,
        Instant.parse("2024-05-01T10:00:00Z"));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
