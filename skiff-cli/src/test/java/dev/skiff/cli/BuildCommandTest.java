package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.skiff.testing.registry.RegistryProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code skiff build} against a real registry process, with a base image made locally. */
class BuildCommandTest extends CliTestSupport {
  static final Pattern REFERENCE =
      Pattern.compile("(?m)^(Pushed|Unchanged, nothing pushed:) (\\S+@sha256:[0-9a-f]{64})$");
  RegistryProcess registry;
  String base;

  @BeforeEach
  void startRegistry() throws Exception {
    registry = RegistryProcess.start(Files.createDirectories(tmp.resolve("registry")), false);
    Path file =
        Files.writeString(
            Files.createDirectories(tmp.resolve("base")).resolve("release"), "test base\n");
    base = registry.hostPort() + "/base/jre:17";
    Jib.fromScratch()
        .addLayer(List.of(file), "/etc")
        .setFormat(ImageFormat.OCI)
        .containerize(
            Containerizer.to(RegistryImage.named(base))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(tmp.resolve("jib-base")));
  }

  @AfterEach
  void stopRegistry() throws Exception {
    System.clearProperty("skiff.test.base");
    registry.close();
  }

  @Test
  void buildPushesThePipelineImageOnceAndThenNothing() throws Exception {
    ok(
        "container-registry",
        "register",
        "reg",
        "--flavor",
        "default",
        "--uri=" + registry.hostPort() + "/team",
        "--insecure=true");
    ok("stack", "update", "default", "-c", "reg");
    System.setProperty("skiff.test.base", base);

    Result first = ok("build", CliPipelines.Imaged.class.getName());
    Result second = ok("build", CliPipelines.Imaged.class.getName());

    Matcher a = REFERENCE.matcher(first.out());
    Matcher b = REFERENCE.matcher(second.out());
    assertThat(a.find()).as(first.out()).isTrue();
    assertThat(b.find()).as(second.out()).isTrue();
    assertThat(a.group(2)).startsWith(registry.hostPort() + "/team/skiff@sha256:");
    assertThat(a.group(1)).isEqualTo("Pushed");
    assertThat(b.group(2)).isEqualTo(a.group(2)); // reproducible: same digest
    assertThat(b.group(1)).isEqualTo("Unchanged, nothing pushed:");
  }

  @Test
  void buildNeedsAContainerRegistryInTheStack() {
    assertOneLineError(
        cli("build", CliPipelines.Imaged.class.getName()),
        "stack 'default' has no container registry: add one with 'skiff stack update default -c REGISTRY'");
  }
}
