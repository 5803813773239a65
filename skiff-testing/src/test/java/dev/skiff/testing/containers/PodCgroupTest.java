package dev.skiff.testing.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Memory limits as a kubelet's pod cgroup sets them, with real OOM kills. */
class PodCgroupTest {
  private static final long MIB = 1 << 20;
  private static Fixture fx;
  private static Podman podman;

  @BeforeAll
  static void setUp() throws Exception {
    fx = Fixture.get();
    podman = Podman.shared();
    String reason = PodCgroup.unsupportedReason();
    if (reason != null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason);
      }
      Assumptions.abort(reason);
    }
  }

  @Test
  void overTheLimitTheKernelKillsAndItReadsAsOomKilled() throws Exception {
    try (PodCgroup pod = PodCgroup.create(podName(), 64 * MIB)) {
      // the heap may grow to 512 MiB, the pod holds 64: the kernel kills it, not the JVM
      Podman.Run run =
          podman.run(
              fx.probe("alloc:200", "print:unreachable").podCgroup(pod).build().toBuilder()
                  .command("java", "-Xmx512m", "-cp", "/probe", Probe.class.getName())
                  .build());

      assertThat(run.exitCode()).as(run.outputText()).isEqualTo(137);
      assertThat(run.exit().reason()).isEqualTo(ContainerExit.Reason.OOM_KILLED);
      assertThat(run.exit().kubernetesReason()).isEqualTo("OOMKilled");
      assertThat(pod.oomKilled()).isTrue();
      assertThat(run.outputText()).doesNotContain("allocated").doesNotContain("OutOfMemoryError");
      System.out.printf("[containers] OOM: %s; pod counter %d%n", run.exit(), pod.oomCounter());
    }
  }

  @Test
  void aPlainExit137IsNotAnOomKill() throws Exception {
    try (PodCgroup pod = PodCgroup.create(podName(), 64 * MIB)) {
      Podman.Run run = podman.run(fx.probe("alloc:8", "exit:137").podCgroup(pod).build());

      assertThat(run.exitCode()).as(run.outputText()).isEqualTo(137);
      assertThat(run.exit().reason()).isEqualTo(ContainerExit.Reason.ERROR);
      assertThat(pod.oomKilled()).isFalse();
      assertThat(pod.oomCounter()).isZero();
    }
  }

  @Test
  void aKillByTheKubeletInAPodIsNotAnOomKill() throws Exception {
    try (PodCgroup pod = PodCgroup.create(podName(), 64 * MIB)) {
      java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
      RunningContainer c =
          podman.start(
              fx.probe("ticks:1:1", "sleep:60000").podCgroup(pod).build(),
              l -> started.countDown());
      try {
        assertThat(started.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        c.kill();
        ContainerExit exit = c.waitFor();
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.reason()).isEqualTo(ContainerExit.Reason.STOPPED);
      } finally {
        c.remove();
      }
    }
  }

  @Test
  void theLimitIsWrittenAndRemoveLeavesNoHierarchyBehind() throws Exception {
    String name = podName();
    PodCgroup pod = PodCgroup.create(name, 96 * MIB);
    Path limitFile =
        pod.memoryDir()
            .resolve(
                pod.cgroupLayout() == PodCgroup.Layout.V1 ? "memory.limit_in_bytes" : "memory.max");
    assertThat(Files.readString(limitFile).trim()).isEqualTo(Long.toString(96 * MIB));
    Podman.Run run = podman.run(fx.probe("alloc:16", "exit:0").podCgroup(pod).build());
    assertThat(run.exitCode()).as(run.outputText()).isZero();
    List<Path> made = cgroupDirs(name);
    assertThat(made)
        .contains(pod.memoryDir()); // podman adds the same path to the other hierarchies

    pod.remove();

    assertThat(cgroupDirs(name)).isEmpty();
    System.out.printf(
        "[containers] cgroup facts: /sys/fs/cgroup is %s, memory controller %s, pod %s; podman made %s%n",
        Files.getFileStore(Path.of("/sys/fs/cgroup")).type(),
        pod.cgroupLayout(),
        pod.memoryDir(),
        made);
  }

  private static List<Path> cgroupDirs(String name) throws Exception {
    Path root = Path.of("/sys/fs/cgroup");
    try (var hierarchies = Files.list(root)) {
      return java.util.stream.Stream.concat(java.util.stream.Stream.of(root), hierarchies)
          .map(h -> h.resolve(name))
          .filter(Files::isDirectory)
          .toList();
    }
  }

  private static String podName() {
    return "skiff-test-pod-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }
}
