package dev.skiff.kubernetes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.store.MetadataStores;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which image the pods of a run get. */
class ImageStepTest {
  @TempDir Path dir;
  MetadataStore store;

  @BeforeEach
  void open() {
    store = MetadataStores.sqlite(dir.resolve("skiff.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aConfiguredImageIsUsedAsItIsWithoutBuilding() {
    var config =
        SubmissionFixtures.config("image", "registry.local/team/skiff@sha256:" + "a".repeat(64));
    var step =
        new ImageStep(
            config,
            SubmissionFixtures.context(
                store,
                dir,
                plan -> {
                  throw new AssertionError("nothing is built when an image is configured");
                }));

    assertThat(step.image(SubmissionFixtures.plan(config)))
        .isEqualTo("registry.local/team/skiff@sha256:" + "a".repeat(64));
  }

  @Test
  void anInvalidConfiguredImageIsRefusedInOneLine() {
    var config = SubmissionFixtures.config("image", "registry.local/Team/Skiff:digits");

    assertThatThrownBy(
            () ->
                new ImageStep(config, SubmissionFixtures.context(store, dir, null))
                    .image(SubmissionFixtures.plan(config)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "image 'registry.local/Team/Skiff:digits' is not a valid image reference")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void withoutAConfiguredImageTheStacksRegistryBuildsIt() {
    var config = SubmissionFixtures.config("image", null);

    String image =
        new ImageStep(
                config, SubmissionFixtures.context(store, dir, plan -> "built/" + plan.pipeline()))
            .image(SubmissionFixtures.plan(config));

    assertThat(image).isEqualTo("built/hello");
  }

  @Test
  void withNeitherTheErrorNamesBothFixes() {
    var config = SubmissionFixtures.config("image", null);

    assertThatThrownBy(
            () ->
                new ImageStep(config, SubmissionFixtures.context(store, dir, null))
                    .image(SubmissionFixtures.plan(config)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "the kubernetes orchestrator needs an image holding Skiff and your code: add a container registry to the stack (skiff stack update k8s -c REGISTRY) or set a prebuilt one with 'skiff orchestrator update NAME --image=...'");
  }
}
