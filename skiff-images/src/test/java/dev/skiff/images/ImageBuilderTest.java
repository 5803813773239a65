package dev.skiff.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.skiff.testing.registry.RegistryProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds and pushes to a real registry process on localhost; the base image is built here too. */
class ImageBuilderTest {
  @TempDir static Path tmp;
  static RegistryProcess registry;
  static String baseImage;

  @BeforeAll
  static void startRegistryAndPushBaseImage() throws Exception {
    registry = RegistryProcess.start(tmp.resolve("registry"), false);
    // a tiny base image made from scratch, so the tests need no network
    Path baseFile =
        Files.writeString(
            Files.createDirectories(tmp.resolve("base")).resolve("base-release"),
            "skiff test base 1\n");
    baseImage = registry.hostPort() + "/base/jre:17";
    Jib.fromScratch()
        .addLayer(List.of(baseFile), "/etc")
        .addEnvironmentVariable("BASE_IMAGE", "test")
        .setFormat(ImageFormat.OCI)
        .containerize(
            Containerizer.to(RegistryImage.named(baseImage))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(tmp.resolve("cache/base-build")));
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void pushesAllLayersFirstThenOnlyTheChangedClassesLayerThenNothing() throws Exception {
    Path project = project("p1");
    List<ImageEvent> events = Collections.synchronizedList(new ArrayList<>());
    ImageProgressPrinter console =
        new ImageProgressPrinter(System.out, false); // shown in the test's output file
    ImageBuilder builder =
        ImageBuilder.newBuilder(ContainerRegistryConfig.of(registry.hostPort() + "/team1", true))
            .cacheDirectory(tmp.resolve("cache/p1"))
            .listener(
                e -> {
                  events.add(e);
                  console.accept(e);
                })
            .build();
    RegistryReader reader = new RegistryReader(registry.hostPort());

    BuiltImage first = builder.buildAndPush("digits", spec(project));
    assertThat(first.pushed()).isTrue();
    assertThat(first.repository()).isEqualTo(registry.hostPort() + "/team1/skiff");
    assertThat(first.reference())
        .isEqualTo(registry.hostPort() + "/team1/skiff@" + first.digest())
        .matches(".*@sha256:[0-9a-f]{64}");
    RegistryReader.Manifest m1 = reader.manifest("team1/skiff", "digits");
    assertThat(m1.digest()).isEqualTo(first.digest());
    assertThat(reader.manifest("team1/skiff", first.contentTag()).digest())
        .isEqualTo(first.digest());
    List<String> layers1 = m1.layerDigests();
    assertThat(layers1).hasSize(5); // base, released deps, snapshot deps, resources, classes
    List<String> appLayers1 = layers1.subList(1, 5);
    assertThat(first.pushedBlobs()).containsAll(appLayers1).contains(m1.configDigest());
    assertThat(events)
        .filteredOn(e -> e instanceof ImageEvent.BlobPushed)
        .hasSize(first.pushedBlobs().size());
    assertThat(events).filteredOn(e -> e instanceof ImageEvent.Progress).isNotEmpty();

    // one class changes: only the classes layer (and the config) are uploaded
    Files.write(project.resolve("classes/dev/example/Step.class"), bytes("changed class bytes"));
    BuiltImage second = builder.buildAndPush("digits", spec(project));
    assertThat(second.digest()).isNotEqualTo(first.digest());
    assertThat(second.contentTag()).isNotEqualTo(first.contentTag());
    RegistryReader.Manifest m2 = reader.manifest("team1/skiff", "digits");
    List<String> layers2 = m2.layerDigests();
    assertThat(layers2.subList(0, 4)).isEqualTo(layers1.subList(0, 4));
    assertThat(layers2.get(4)).isNotEqualTo(layers1.get(4));
    assertThat(second.pushedBlobs()).containsExactlyInAnyOrder(layers2.get(4), m2.configDigest());
    assertThat(second.skippedBlobs()).containsAll(layers2.subList(1, 4));

    // nothing changes: same digest, nothing uploaded
    events.clear();
    BuiltImage third = builder.buildAndPush("digits", spec(project));
    assertThat(third.digest()).isEqualTo(second.digest());
    assertThat(third.contentTag()).isEqualTo(second.contentTag());
    assertThat(third.pushed()).isFalse();
    assertThat(third.pushedBlobs()).isEmpty();
    assertThat(events).filteredOn(e -> e instanceof ImageEvent.BlobSkipped).isNotEmpty();
  }

  @Test
  void manifestHasEntrypointEnvAndLayersInOrder() throws Exception {
    Path project = project("p2");
    ImageBuilder builder =
        ImageBuilder.newBuilder(ContainerRegistryConfig.of(registry.hostPort() + "/team2/", true))
            .cacheDirectory(tmp.resolve("cache/p2"))
            .build();
    BuiltImage image =
        builder.buildAndPush(
            "train.v1",
            spec(project).toBuilder()
                .putExtraFile(
                    "/opt/skiff/plan.json", Files.writeString(project.resolve("plan.json"), "{}"))
                .build());

    RegistryReader reader = new RegistryReader(registry.hostPort());
    RegistryReader.Manifest manifest =
        reader.manifest(
            "team2/skiff", image.reference().substring(image.reference().indexOf('@') + 1));
    assertThat(manifest.contentType()).isEqualTo(RegistryReader.OCI_MANIFEST);
    assertThat(manifest.body().path("mediaType").asText()).isEqualTo(RegistryReader.OCI_MANIFEST);
    List<String> layers = manifest.layerDigests();
    assertThat(layers).hasSize(6).doesNotHaveDuplicates();
    assertThat(layers.get(0)).isEqualTo(reader.manifest("base/jre", "17").layerDigests().get(0));

    JsonNode config = reader.blobJson("team2/skiff", manifest.configDigest());
    List<String> entrypoint = new ArrayList<>();
    config.path("config").path("Entrypoint").forEach(n -> entrypoint.add(n.asText()));
    assertThat(entrypoint)
        .containsExactly(
            "java",
            "-Xmx256m",
            "-Dskiff.test=1",
            "-cp",
            "/app/resources:/app/classes:/app/libs/*",
            ImageSpec.POD_MAIN_CLASS);
    List<String> env = new ArrayList<>();
    config.path("config").path("Env").forEach(n -> env.add(n.asText()));
    assertThat(env).contains("BASE_IMAGE=test", "SKIFF_PIPELINE=digits", "TZ=UTC");
    assertThat(config.path("created").asText()).startsWith("1970-01-01T00:00:00");
    assertThat(config.path("rootfs").path("diff_ids")).hasSize(6);
  }

  @Test
  void sameInputsGiveTheSameDigestWithAFreshCache() throws Exception {
    Path project = project("p3");
    BuiltImage a =
        ImageBuilder.newBuilder(ContainerRegistryConfig.of(registry.hostPort() + "/team3a", true))
            .cacheDirectory(tmp.resolve("cache/p3a"))
            .build()
            .buildAndPush("x", spec(project));
    BuiltImage b =
        ImageBuilder.newBuilder(ContainerRegistryConfig.of(registry.hostPort() + "/team3b", true))
            .cacheDirectory(tmp.resolve("cache/p3b"))
            .build()
            .buildAndPush("x", spec(project));
    assertThat(b.digest()).isEqualTo(a.digest());
    assertThat(b.contentTag()).isEqualTo(a.contentTag());
  }

  @Test
  void unreachableRegistryIsAOneLineError() throws Exception {
    int closed = RegistryProcess.freePort();
    ImageBuilder builder =
        ImageBuilder.newBuilder(ContainerRegistryConfig.of("127.0.0.1:" + closed + "/team", true))
            .cacheDirectory(tmp.resolve("cache/unreachable"))
            .build();
    assertThatThrownBy(() -> builder.buildAndPush("digits", spec(project("p4"))))
        .isInstanceOf(ImageBuildException.class)
        .hasMessage("cannot reach registry 127.0.0.1:" + closed + ": connection refused");
  }

  @Test
  void unknownHostIsAOneLineError() throws Exception {
    ImageBuilder builder =
        ImageBuilder.newBuilder(
                ContainerRegistryConfig.of("registry.skiff-test.invalid/team", true))
            .cacheDirectory(tmp.resolve("cache/unknown"))
            .build();
    assertThatThrownBy(() -> builder.buildAndPush("digits", spec(project("p5"))))
        .isInstanceOf(ImageBuildException.class)
        .hasMessageStartingWith("cannot reach registry registry.skiff-test.invalid: unknown host")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void wrongPasswordIsAOneLineError() throws Exception {
    try (RegistryProcess secured = RegistryProcess.start(tmp.resolve("secured-registry"), true)) {
      ContainerRegistryConfig config =
          new ContainerRegistryConfig(
              secured.hostPort() + "/team", true, "docker", "wrong-password", null);
      ImageBuilder builder =
          ImageBuilder.newBuilder(config).cacheDirectory(tmp.resolve("cache/auth")).build();
      assertThatThrownBy(() -> builder.buildAndPush("digits", spec(project("p6"))))
          .isInstanceOf(ImageBuildException.class)
          .hasMessageStartingWith("authentication failed")
          .hasMessageContaining(secured.hostPort())
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void invalidPipelineTagIsRejected() {
    ImageBuilder builder =
        ImageBuilder.newBuilder(ContainerRegistryConfig.of("registry.example.com/team", false))
            .build();
    assertThatThrownBy(() -> builder.buildAndPush("-bad tag", ImageSpec.newBuilder().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipeline name '-bad tag' cannot be an image tag");
  }

  private ImageSpec spec(Path project) {
    return ImageSpec.newBuilder()
        .baseImage(baseImage)
        .releasedJars(
            List.of(
                project.resolve("libs/commons-1.0.jar"), project.resolve("libs/tribuo-4.3.2.jar")))
        .snapshotJars(List.of(project.resolve("libs/skiff-sdk-0.1.0-SNAPSHOT.jar")))
        .resourceDirs(List.of(project.resolve("resources")))
        .classDirs(List.of(project.resolve("classes")))
        .jvmFlags(List.of("-Xmx256m", "-Dskiff.test=1"))
        .environment(Map.of("SKIFF_PIPELINE", "digits", "TZ", "UTC"))
        .build();
  }

  /** A fake project: jar and class files only need to be files for the image. */
  private static Path project(String name) throws Exception {
    Path p = tmp.resolve("projects").resolve(name);
    Files.createDirectories(p.resolve("libs"));
    Files.createDirectories(p.resolve("resources"));
    Files.createDirectories(p.resolve("classes/dev/example"));
    Files.write(p.resolve("libs/commons-1.0.jar"), bytes("released jar 1"));
    Files.write(p.resolve("libs/tribuo-4.3.2.jar"), bytes("released jar 2"));
    Files.write(p.resolve("libs/skiff-sdk-0.1.0-SNAPSHOT.jar"), bytes("snapshot jar"));
    Files.writeString(p.resolve("resources/app.properties"), "answer=42\n");
    Files.write(p.resolve("classes/dev/example/Step.class"), bytes("class Step"));
    Files.write(p.resolve("classes/dev/example/Pipeline.class"), bytes("class Pipeline"));
    return p;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
