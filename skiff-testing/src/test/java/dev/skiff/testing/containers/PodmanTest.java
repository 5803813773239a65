package dev.skiff.testing.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.testing.registry.RegistryProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real containers from the JRE base image, pulled by digest from a registry process. */
class PodmanTest {
  private static Fixture fx;
  private static Podman podman;

  @BeforeAll
  static void setUp() throws Exception {
    fx = Fixture.get();
    podman = Podman.shared();
  }

  @Test
  void javaVersionRunsReadOnlyAsNonrootWithTmpfsTmp() throws Exception {
    ContainerSpec spec =
        ContainerSpec.newBuilder(fx.nonrootId)
            .command("java", "-version")
            .user("65532")
            .readOnlyRootFilesystem(true)
            .tmpfs("/tmp")
            .capDrop("ALL")
            .noNewPrivileges(true)
            .build();
    List<Long> millis = new ArrayList<>();
    Podman.Run run = null;
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      run = podman.run(spec); // start, wait for the exit, remove
      millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      assertThat(run.exitCode()).as(run.outputText()).isZero();
      assertThat(run.exit().reason()).isEqualTo(ContainerExit.Reason.COMPLETED);
    }
    assertThat(run.outputText())
        .contains("version \"" + fx.jre.featureVersion())
        .contains("64-Bit Server VM");
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf(
        "[containers] java -version container start->exit (run+wait, exit seen): %s ms; with remove, each run: %s ms (min %d, median %d)%n",
        run.exit().runTime().toMillis(), millis, sorted.get(0), sorted.get(2));
  }

  @Test
  void runsAsNonrootOnReadOnlyRootWithOnlyDeclaredWritablePaths() throws Exception {
    Podman.Run run =
        podman.run(
            fx.probe(
                    "whoami",
                    "write:/",
                    "write:/opt/java",
                    "write:/run",
                    "write:/var/tmp",
                    "write:/tmp",
                    "status:CapEff",
                    "status:NoNewPrivs",
                    "read:/etc/passwd")
                .build());

    assertThat(run.exitCode()).as(run.outputText()).isZero();
    assertThat(run.output())
        .contains(
            "user.name=nonroot Uid: 65532 65532 65532 65532 Gid: 65532 65532 65532 65532",
            "write /tmp: ok",
            "CapEff: 0000000000000000",
            "NoNewPrivs: 1",
            "read /etc/passwd: root:x:0:0:root:/root:/sbin/nologin"); // the image's, not the host's
    assertThat(run.outputText())
        .contains("write /: FileSystemException /probe-")
        .contains("write /opt/java: FileSystemException")
        // podman's --read-only alone would mount tmpfs on /run and /var/tmp: not here
        .contains("write /run: FileSystemException")
        .contains("write /var/tmp: NoSuchFileException");
    assertThat(run.outputText()).contains("Read-only file system");
  }

  @Test
  void hostFilesAreInvisibleUnlessBindMounted(@TempDir Path tmp) throws Exception {
    Path secret = tmp.resolve("secret.txt");
    Files.writeString(secret, "host secret\n");
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.writeString(shared.resolve("hello.txt"), "hello from the host\n");
    Path writable = Files.createDirectory(tmp.resolve("out"));
    for (Path p : List.of(tmp, shared, writable)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    for (Path p : List.of(secret, shared.resolve("hello.txt"))) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }

    Podman.Run run =
        podman.run(
            fx.probe(
                    "read:" + secret,
                    "read:" + tmp.resolve("shared/hello.txt"),
                    "read:/data/hello.txt",
                    "write:/data",
                    "write:/out")
                .bind(shared, "/data", true)
                .bind(writable, "/out", false)
                .build());

    assertThat(run.exitCode()).as(run.outputText()).isZero();
    assertThat(run.output())
        .contains(
            "read " + secret + ": missing",
            "read " + tmp.resolve("shared/hello.txt") + ": missing",
            "read /data/hello.txt: hello from the host",
            "write /out: ok");
    assertThat(run.outputText())
        .contains("write /data: FileSystemException")
        .contains("Read-only file system");
    try (var written = Files.list(writable)) {
      assertThat(written.toList())
          .singleElement()
          .satisfies(p -> assertThat(p.getFileName().toString()).startsWith("probe-"));
    }
  }

  @Test
  void envArgsAndWorkingDirReachTheProcess() throws Exception {
    Podman.Run run =
        podman.run(
            fx.probe(
                    "args",
                    "env:GREETING",
                    "env:SPACED",
                    "env:PATH",
                    "env:JAVA_HOME",
                    "env:HOME",
                    "env:CONTAINERS_CONF",
                    "cwd")
                .env("GREETING", "hello")
                .env("SPACED", "a b=c 'd'")
                .workingDir("/tmp")
                .build());

    assertThat(run.exitCode()).as(run.outputText()).isZero();
    assertThat(run.output())
        .containsSubsequence(
            "args=args|env:GREETING|env:SPACED|env:PATH|env:JAVA_HOME|env:HOME|env:CONTAINERS_CONF|cwd",
            "env GREETING=hello",
            "env SPACED=a b=c 'd'",
            "env PATH=/opt/java/bin:/usr/bin:/bin",
            "env JAVA_HOME=/opt/java",
            "env HOME=/home/nonroot",
            "env CONTAINERS_CONF=null", // nothing of podman's own environment
            "cwd=/tmp");
  }

  @Test
  void exitCodesPropagateIncludingPodmansOwnCodes() throws Exception {
    // 125-127 are also podman's own failure codes: they must still read as the process's exit
    for (int code : new int[] {0, 3, 125, 126, 127, 255}) {
      Podman.Run exact = podman.run(fx.probe("exit:" + code).build());
      assertThat(exact.exitCode()).as("exit %d: %s", code, exact.outputText()).isEqualTo(code);
      assertThat(exact.exit().reason())
          .isEqualTo(code == 0 ? ContainerExit.Reason.COMPLETED : ContainerExit.Reason.ERROR);
    }
  }

  @Test
  void containersThatCannotStartAreStartErrorsWithPodmansReason(@TempDir Path tmp)
      throws Exception {
    Podman.Run noExecutable =
        podman.run(ContainerSpec.newBuilder(fx.nonrootId).command("/no/such/binary").build());
    assertThat(noExecutable.exit().reason()).isEqualTo(ContainerExit.Reason.START_ERROR);
    assertThat(noExecutable.exit().kubernetesReason()).isEqualTo("StartError");
    assertThat(noExecutable.exit().message())
        .contains("/no/such/binary")
        .contains("no such file or directory");
    assertThat(noExecutable.output())
        .isEmpty(); // podman's error is the message, not container output

    Podman.Run noMountSource =
        podman.run(fx.probe("exit:0").bind(tmp.resolve("missing"), "/x", true).build());
    assertThat(noMountSource.exit().reason()).isEqualTo(ContainerExit.Reason.START_ERROR);
    assertThat(noMountSource.exit().message())
        .contains("missing")
        .contains("no such file or directory");
    System.out.printf(
        "[containers] start errors: %s | %s%n", noExecutable.exit(), noMountSource.exit());
  }

  @Test
  void outputStreamsLineByLineWhileRunning() throws Exception {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch first = new CountDownLatch(1);
    RunningContainer c =
        podman.start(
            fx.probe("stderr:to-stderr", "ticks:5:400").build(),
            line -> {
              lines.add(line);
              arrivals.add(System.nanoTime());
              first.countDown();
            });
    try {
      assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(c.isRunning()).as("a line arrived while the container still runs").isTrue();
      ContainerExit exit = c.waitFor();
      long end = System.nanoTime();
      assertThat(exit.exitCode()).isZero();
      assertThat(lines)
          .containsExactly("to-stderr", "tick 0", "tick 1", "tick 2", "tick 3", "tick 4");
      // ticks are 400 ms apart: the first arrived well before the end, the others one by one
      assertThat(TimeUnit.NANOSECONDS.toMillis(end - arrivals.get(1))).isGreaterThan(1200);
      assertThat(TimeUnit.NANOSECONDS.toMillis(arrivals.get(5) - arrivals.get(4)))
          .isGreaterThan(200);
    } finally {
      c.remove();
    }
  }

  @Test
  void stopSendsTermThenKillAndKillKills() throws Exception {
    RunningContainer term = startAndAwaitOutput(fx.probe("ticks:1:1", "sleep:60000").build());
    RunningContainer kill = startAndAwaitOutput(fx.probe("ticks:1:1", "sleep:60000").build());
    try {
      long start = System.nanoTime();
      term.stop(Duration.ofSeconds(5));
      ContainerExit stopped = term.waitFor();
      assertThat(stopped.exitCode()).isEqualTo(143); // the JVM ends on SIGTERM, within the grace
      assertThat(stopped.reason()).isEqualTo(ContainerExit.Reason.STOPPED);
      assertThat(stopped.kubernetesReason()).isEqualTo("Error");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(5);

      kill.kill();
      ContainerExit killed = kill.waitFor();
      assertThat(killed.exitCode()).isEqualTo(137);
      assertThat(killed.reason()).isEqualTo(ContainerExit.Reason.STOPPED);
      assertThat(killed.oomKilled()).isFalse();
    } finally {
      term.remove();
      kill.remove();
    }
  }

  @Test
  void removeKillsARunningContainer() throws Exception {
    RunningContainer c = startAndAwaitOutput(fx.probe("ticks:1:1", "sleep:60000").build());
    c.remove();
    assertThat(c.isRunning()).isFalse();
    assertThat(podman.containers()).doesNotContain(c);
    c.remove(); // idempotent
  }

  @Test
  void pullFailuresAreTypedWithTheRegistrysReason() throws Exception {
    String repo = fx.registry.hostPort() + "/" + JreBaseImage.REPOSITORY;
    String zeros = "sha256:" + "0".repeat(64);

    assertThatThrownBy(() -> podman.pull(repo + "@" + zeros))
        .isInstanceOfSatisfying(
            ImagePullException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("manifest unknown");
              assertThat(e.kind()).isEqualTo(ImagePullException.Kind.NOT_FOUND);
              assertThat(e.imageRef()).isEqualTo(repo + "@" + zeros);
            });
    assertThatThrownBy(
            () -> podman.pull(fx.registry.hostPort() + "/no/such-repo@" + fx.nonroot.digest()))
        .isInstanceOfSatisfying(
            ImagePullException.class,
            e -> assertThat(e.kind()).isEqualTo(ImagePullException.Kind.NOT_FOUND));

    long start = System.nanoTime();
    String nowhere = "127.0.0.1:" + RegistryProcess.freePort() + "/base/jre@" + fx.nonroot.digest();
    assertThatThrownBy(() -> podman.pull(nowhere))
        .isInstanceOfSatisfying(
            ImagePullException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("connection refused");
              assertThat(e.kind()).isEqualTo(ImagePullException.Kind.UNREACHABLE);
            });
    System.out.printf(
        "[containers] pull from an unreachable registry fails after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  @Test
  void imageConfigGivesUserAndEnvForRunAsNonRoot() {
    ImageConfig nonroot = podman.imageConfig(fx.nonrootId);
    assertThat(nonroot.id()).isEqualTo(fx.nonrootId);
    assertThat(nonroot.user()).isEqualTo("65532");
    assertThat(nonroot.uid()).hasValue(65532);
    assertThat(nonroot.envValue("PATH")).isEqualTo("/opt/java/bin:/usr/bin:/bin");
    assertThat(nonroot.envValue("JAVA_HOME")).isEqualTo("/opt/java");
    assertThat(nonroot.entrypoint()).isEmpty();

    ImageConfig root = podman.imageConfig(fx.root.digestReference());
    assertThat(root.user()).isEqualTo("0");
    assertThat(root.uid()).hasValue(0);
    assertThat(podman.imageUser(fx.rootId)).isEqualTo("0");
  }

  @Test
  void rootImageRunsAsRootUnlessTheSpecGivesAUser() throws Exception {
    Podman.Run asImage = podman.run(fx.probeIn(fx.rootId, "whoami").build());
    assertThat(asImage.output())
        .anySatisfy(l -> assertThat(l).startsWith("user.name=root Uid: 0 0 0 0"));

    Podman.Run asNonroot = podman.run(fx.probeIn(fx.rootId, "whoami").user("65532:65532").build());
    assertThat(asNonroot.output())
        .anySatisfy(l -> assertThat(l).startsWith("user.name=nonroot Uid: 65532"));
  }

  @Test
  void temporaryPodmanLeavesNoStorageMountOrCgroupBehind() throws Exception {
    Path dir;
    String cgroupParent;
    try (Podman tmp = Podman.temporary()) {
      dir = tmp.directory();
      cgroupParent = tmp.defaultCgroupParent();
      long start = System.nanoTime();
      String id = tmp.pull(fx.nonroot.digestReference());
      System.out.printf(
          "[containers] podman pull by digest into empty storage: %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      assertThat(id).isEqualTo(fx.nonrootId);
      CountDownLatch started = new CountDownLatch(1);
      RunningContainer running =
          tmp.start(
              ContainerSpec.newBuilder(id)
                  .command("java", "-cp", "/probe", Probe.class.getName())
                  .args("ticks:1:1", "sleep:60000")
                  .bind(fx.probeDir, "/probe", true)
                  .build(),
              line -> started.countDown());
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(mountsUnder(dir)).isNotEmpty(); // its overlay root is mounted while it runs
      assertThatThrownBy(
              () -> tmp.pull(fx.registry.hostPort() + "/base/jre@sha256:" + "1".repeat(64)))
          .isInstanceOf(ImagePullException.class);
      assertThat(running.isRunning()).isTrue();

      tmp.pruneImagesNotPulledFor(Duration.ofDays(1));
      assertThat(tmp.imageConfig(id).id()).isEqualTo(id); // pulled just now
      Files.setLastModifiedTime(
          dir.resolve("pulls").resolve(id), java.nio.file.attribute.FileTime.fromMillis(0));
      tmp.pruneImagesNotPulledFor(Duration.ofDays(1));
      assertThat(tmp.imageConfig(id).id()).as("kept while a container uses it").isEqualTo(id);
      tmp.start(
          ContainerSpec.newBuilder(id)
              .command("java", "-cp", "/probe", Probe.class.getName())
              .args("sleep:60000")
              .bind(fx.probeDir, "/probe", true)
              .build(),
          line -> {});
      // close() removes the still running containers, resets the storage and deletes the folder
    }
    assertThat(dir).doesNotExist();
    assertThat(mountsUnder(dir)).isEmpty();
    try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      assertThat(
              hierarchies
                  .map(h -> h.resolve(cgroupParent.substring(1)))
                  .filter(Files::exists)
                  .toList())
          .isEmpty();
    }
  }

  @Test
  void imagesNotPulledForLongArePruned() throws Exception {
    try (Podman tmp = Podman.temporary()) {
      String id = tmp.pull(fx.root.digestReference());
      Files.setLastModifiedTime(
          tmp.directory().resolve("pulls").resolve(id),
          java.nio.file.attribute.FileTime.fromMillis(0));
      tmp.pruneImagesNotPulledFor(Duration.ofDays(1));
      assertThatThrownBy(() -> tmp.imageConfig(id))
          .isInstanceOf(PodmanException.class)
          .hasMessageContaining("image not known");
      assertThat(tmp.directory().resolve("pulls").resolve(id)).doesNotExist();
    }
  }

  private RunningContainer startAndAwaitOutput(ContainerSpec spec) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    RunningContainer c = podman.start(spec, line -> started.countDown());
    assertThat(started.await(30, TimeUnit.SECONDS)).as("container printed its first line").isTrue();
    return c;
  }

  static List<String> mountsUnder(Path dir) throws Exception {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.contains(dir.toString()))
        .toList();
  }
}
