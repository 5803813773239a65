package dev.skiff.testing.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The distroless-style JRE image from the host JDK, its cache and its pushes. */
class JreBaseImageTest {
  private static Fixture fx;

  @BeforeAll
  static void setUp() throws Exception {
    fx = Fixture.get();
  }

  @Test
  void rootfsHoldsTheJreItsLibrariesTheLoaderAndUsers() throws Exception {
    Path rootfs = fx.jre.rootfs();

    assertThat(rootfs.resolve("opt/java/bin/java")).isExecutable();
    assertThat(rootfs.resolve("opt/java/lib/server/libjvm.so")).isRegularFile();
    assertThat(rootfs.resolve("opt/java/jmods")).doesNotExist();
    assertThat(rootfs.resolve("opt/java/include")).doesNotExist(); // --no-header-files
    Path libs = rootfs.resolve("lib/x86_64-linux-gnu");
    for (String lib : new String[] {"libc.so.6", "libz.so.1", "libm.so.6"}) {
      assertThat(libs.resolve(lib)).isRegularFile();
      assertThat(Files.isSymbolicLink(libs.resolve(lib))).isFalse();
    }
    assertThat(rootfs.resolve("lib64/ld-linux-x86-64.so.2")).isExecutable();
    assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("nonroot:x:65532:65532:");
    assertThat(Files.readString(rootfs.resolve("etc/group"))).contains("nonroot:x:65532:");
    try (var tmp = Files.list(rootfs.resolve("tmp"))) {
      assertThat(tmp).isEmpty();
    }
    try (var all = Files.walk(rootfs)) {
      assertThat(all.filter(Files::isSymbolicLink).toList())
          .as("no links: Jib does not keep them")
          .isEmpty();
    }
    assertThat(fx.jre.cacheFolder().resolve("rootfs")).isEqualTo(rootfs);
    assertThat(Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  @Test
  void aSecondPushTakesTheCacheAndGivesTheSameDigest() throws Exception {
    JreBaseImage.Pushed again = fx.jre.push(fx.registry);

    assertThat(again.rootfsFromCache()).isTrue();
    assertThat(again.digest()).isEqualTo(fx.nonroot.digest());
    assertThat(again.digestReference())
        .isEqualTo(fx.registry.hostPort() + "/base/jre@" + again.digest());
    assertThat(again.tagReference())
        .isEqualTo(fx.registry.hostPort() + "/base/jre:" + fx.jre.featureVersion());
    // another JreBaseImage of the same JDK finds the same cache folder (as a later test run does)
    JreBaseImage other = JreBaseImage.hostJdk();
    assertThat(other.cacheFolder()).isEqualTo(fx.jre.cacheFolder());
    JreBaseImage.Pushed fromOther = other.push(fx.registry);
    assertThat(fromOther.digest()).isEqualTo(fx.nonroot.digest());
    System.out.printf(
        "[containers] JRE base image: first in this JVM: rootfs %s %d ms + push %d ms; again: rootfs cached %d ms + push %d ms; new instance: %d + %d ms%n",
        fx.nonroot.rootfsFromCache() ? "(from an earlier run's cache)" : "built",
        fx.nonroot.rootfsTime().toMillis(),
        fx.nonroot.pushTime().toMillis(),
        again.rootfsTime().toMillis(),
        again.pushTime().toMillis(),
        fromOther.rootfsTime().toMillis(),
        fromOther.pushTime().toMillis());
  }

  @Test
  void theRootVariantDiffersOnlyInItsUser() {
    assertThat(fx.root.digest()).isNotEqualTo(fx.nonroot.digest());
    assertThat(fx.root.tagReference()).endsWith("/base/jre:" + fx.jre.featureVersion() + "-root");
    assertThat(fx.root.user()).isEqualTo(JreBaseImage.User.ROOT);
  }
}
