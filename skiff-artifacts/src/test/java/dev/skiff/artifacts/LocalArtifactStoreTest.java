package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalArtifactStoreTest {
  @TempDir Path dir;

  private LocalArtifactStore store() throws IOException {
    return new LocalArtifactStore(dir.resolve("store"));
  }

  @Test
  void createsTheRootAndNamesItAsAFileUri() throws IOException {
    Path root = dir.resolve("a/b/store");
    LocalArtifactStore store = new LocalArtifactStore(root);
    assertThat(root).isDirectory();
    assertThat(store.uri()).startsWith("file:/").doesNotEndWith("/");
    assertThat(Path.of(URI.create(store.uri()))).isEqualTo(root.toRealPath());
  }

  @Test
  void writesAndReadsBlobsInNestedFolders() throws IOException {
    LocalArtifactStore store = store();
    try (OutputStream out = store.create("runs/r1/steps/load/x")) {
      out.write("hello".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(store.exists("runs/r1/steps/load/x")).isTrue();
    try (InputStream in = store.open("runs/r1/steps/load/x")) {
      assertThat(in.readAllBytes()).asString(StandardCharsets.UTF_8).isEqualTo("hello");
    }
    assertThat(store.localFile("runs/r1/steps/load/x"))
        .contains(store.root().resolve("runs/r1/steps/load/x"))
        .get()
        .satisfies(file -> assertThat(file).hasContent("hello"));
    assertThat(tempFiles(store)).isEmpty();
  }

  @Test
  void replacesAnExistingBlob() throws IOException {
    LocalArtifactStore store = store();
    write(store, "a", "first, and longer");
    write(store, "a", "second");
    assertThat(read(store, "a")).isEqualTo("second");
  }

  @Test
  void showsNothingUntilClosed() throws IOException {
    LocalArtifactStore store = store();
    write(store, "a", "old");
    AtomicFileOutputStream out = store.create("a");
    out.write("new".getBytes(StandardCharsets.UTF_8));
    out.flush();
    assertThat(read(store, "a")).isEqualTo("old");
    assertThat(store.exists("b")).isFalse();
    out.close();
    assertThat(read(store, "a")).isEqualTo("new");
    out.close(); // a second close does nothing
    assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
  }

  @Test
  void anExceptionMidWriteLeavesNothing() throws IOException {
    LocalArtifactStore store = store();
    write(store, "kept", "old");
    for (String path : List.of("fresh", "kept")) {
      AtomicFileOutputStream out = store.create(path);
      assertThatThrownBy(
              () -> {
                try {
                  out.write(new byte[100_000]);
                  throw new IllegalStateException("step failed mid-write");
                } catch (RuntimeException e) {
                  out.abort();
                  throw e;
                }
              })
          .hasMessage("step failed mid-write");
      out.close(); // closing after abort must not publish either
    }
    assertThat(store.exists("fresh")).isFalse();
    assertThat(read(store, "kept")).isEqualTo("old");
    assertThat(tempFiles(store)).isEmpty();
  }

  @Test
  void aStreamNeverClosedLeavesNothingVisible() throws IOException {
    LocalArtifactStore store = store();
    OutputStream out = store.create("abandoned");
    out.write(new byte[10]);
    out.flush();
    assertThat(store.exists("abandoned")).isFalse();
    assertThat(store.list("")).isEmpty();
    assertThat(tempFiles(store))
        .singleElement()
        .satisfies(
            f -> assertThat(f.getFileName().toString()).startsWith(LocalArtifactStore.TEMP_PREFIX));
    ((AtomicFileOutputStream) out).abort();
  }

  @Test
  void aFailedWriteMakesCloseDiscardAndThrow() throws IOException {
    LocalArtifactStore store = store();
    Path target = store.root().resolve("broken");
    Path temp = store.root().resolve(LocalArtifactStore.TEMP_PREFIX + "test");
    OutputStream failing =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk full");
          }
        };
    AtomicFileOutputStream out = new AtomicFileOutputStream(target, temp, failing);
    assertThatThrownBy(() -> out.write(1)).hasMessage("disk full");
    assertThatThrownBy(out::close)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("earlier write");
    assertThat(target).doesNotExist();
    assertThat(temp).doesNotExist();
  }

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
        "a\\..\\..\\x",
        "C:\\x",
        "nul\0byte"
      })
  void rejectsPathsThatLeaveTheStore(String path) throws IOException {
    LocalArtifactStore store = store();
    assertThatThrownBy(() -> store.create(path)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.open(path)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.exists(path)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.append(path, new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.delete(path)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.localFile(path)).isInstanceOf(IllegalArgumentException.class);
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void acceptsOrdinaryNames() throws IOException {
    LocalArtifactStore store = store();
    for (String path : List.of("a", "a.b", "..a", "a..", "run-2024-05-01T12:00:00/x y/ü.bin")) {
      write(store, path, path);
      assertThat(read(store, path)).isEqualTo(path);
    }
  }

  @Test
  void existsAndDelete() throws IOException {
    LocalArtifactStore store = store();
    assertThat(store.exists("x/y")).isFalse();
    write(store, "x/y", "1");
    assertThat(store.exists("x/y")).isTrue();
    assertThat(store.exists("x")).as("a folder is not a blob").isFalse();
    store.delete("x/y");
    assertThat(store.exists("x/y")).isFalse();
    store.delete("x/y"); // deleting a missing blob is fine
    assertThatThrownBy(() -> store.open("x/y")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void appendsCreateAndExtend() throws IOException {
    LocalArtifactStore store = store();
    store.append("logs/step.log", "one\n".getBytes(StandardCharsets.UTF_8));
    store.append("logs/step.log", "two\n".getBytes(StandardCharsets.UTF_8));
    store.append("logs/step.log", new byte[0]);
    assertThat(read(store, "logs/step.log")).isEqualTo("one\ntwo\n");
  }

  @Test
  void appendsFromManyThreadsKeepLinesWhole() throws Exception {
    LocalArtifactStore store = store();
    LocalArtifactStore sameRoot = new LocalArtifactStore(store.root());
    int threads = 8;
    int linesPerThread = 400;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      // Two store instances on one folder: the locks must still line up.
      LocalArtifactStore target = t % 2 == 0 ? store : sameRoot;
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < linesPerThread; i++) {
                  String line = "thread-" + thread + " line-" + i + " " + "x".repeat(i % 50) + "\n";
                  target.append("logs/run.log", line.getBytes(StandardCharsets.UTF_8));
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();

    List<String> lines = read(store, "logs/run.log").lines().toList();
    assertThat(lines).hasSize(threads * linesPerThread);
    Map<Integer, Integer> next = new HashMap<>();
    for (String line : lines) {
      assertThat(line).matches("thread-\\d+ line-\\d+ x*");
      String[] parts = line.split(" ");
      int thread = Integer.parseInt(parts[0].substring("thread-".length()));
      int i = Integer.parseInt(parts[1].substring("line-".length()));
      assertThat(i)
          .as("lines of thread %d in order", thread)
          .isEqualTo(next.getOrDefault(thread, 0));
      assertThat(parts.length == 3 ? parts[2] : "").hasSize(i % 50);
      next.put(thread, i + 1);
    }
  }

  private static void write(LocalArtifactStore store, String path, String text) throws IOException {
    try (OutputStream out = store.create(path)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(LocalArtifactStore store, String path) throws IOException {
    try (InputStream in = store.open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static List<Path> tempFiles(LocalArtifactStore store) throws IOException {
    try (Stream<Path> files = Files.walk(store.root())) {
      return files
          .filter(f -> f.getFileName().toString().startsWith(LocalArtifactStore.TEMP_PREFIX))
          .toList();
    }
  }

  @Test
  void writeThatThrowsLeavesNothingBehind() throws IOException {
    LocalArtifactStore store = new LocalArtifactStore(dir.resolve("w"));
    store.write("keep", out -> out.write("old".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(
            () ->
                store.write(
                    "keep",
                    out -> {
                      out.write("half of the new".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("materializer failed");
                    }))
        .hasMessage("materializer failed");
    assertThatThrownBy(
            () ->
                store.write(
                    "new",
                    out -> {
                      out.write(1);
                      throw new IllegalStateException("boom");
                    }))
        .isInstanceOf(IllegalStateException.class);

    try (InputStream in = store.open("keep")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("old");
    }
    assertThat(store.exists("new")).isFalse();
    assertThat(store.list("")).containsExactly("keep");
    assertThat(tempFiles(store)).isEmpty();
  }
}
