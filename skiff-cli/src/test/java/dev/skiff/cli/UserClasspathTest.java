package dev.skiff.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.skiff.sdk.PipelineDefinition;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff run --classpath}: a pipeline compiled by the test into a folder (and a jar) that is
 * not on the test class path, so only the user class loader can find it.
 */
class UserClasspathTest extends CliTestSupport {
  private static final String CLASS = "ext.ExternalPipeline";
  private static final String SOURCE =
      """
      package ext;

      import dev.skiff.sdk.PipelineBuilder;
      import dev.skiff.sdk.PipelineDefinition;

      public final class ExternalPipeline implements PipelineDefinition {
        public ExternalPipeline() {}

        @Override
        public String name() {
          return "external";
        }

        static String greet() {
          System.out.println("hello from the user class path");
          return "hello";
        }

        static int length(String s) {
          return s.length();
        }

        @Override
        public void define(PipelineBuilder p) {
          p.step("length", ExternalPipeline::length, p.step("greet", ExternalPipeline::greet));
        }
      }
      """;

  private Path classes;

  @BeforeEach
  void compile() throws IOException, URISyntaxException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assumeTrue(javac != null, "needs a JDK to compile the user pipeline");
    Path src = Files.createDirectories(tmp.resolve("src/ext")).resolve("ExternalPipeline.java");
    Files.writeString(src, SOURCE);
    classes = Files.createDirectories(tmp.resolve("user classes"));
    String sdk =
        Path.of(
                PipelineDefinition.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI())
            .toString();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc =
        javac.run(
            null, diagnostics, diagnostics, "-d", classes.toString(), "-cp", sdk, src.toString());
    assertThat(rc).as("javac: %s", diagnostics).isZero();
    assertThatThrownBy(() -> Class.forName(CLASS))
        .as("only on the user class path")
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void runsAPipelineFromAClasspathFolder() {
    Result r = run(classes.toString(), "thread");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).containsPattern(stepLine("greet", "hello from the user class path"));
    assertThat(r.out()).containsPattern("(?m)^length +succeeded +1 .*$");
  }

  @Test
  void stepProcessesGetTheClasspathToo() {
    Result r = run(classes.toString(), "process");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).containsPattern(stepLine("greet", "hello from the user class path"));
    assertThat(r.out()).containsPattern("(?m)^length +succeeded +1 .*$");
  }

  @Test
  void runsAPipelineFromAFolderOfJars() throws IOException {
    Path lib = Files.createDirectories(tmp.resolve("lib"));
    try (JarOutputStream jar =
            new JarOutputStream(Files.newOutputStream(lib.resolve("external.jar")));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        jar.putNextEntry(
            new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
        jar.write(Files.readAllBytes(f));
        jar.closeEntry();
      }
    }

    Result r = run(lib + File.separator + "*", "thread");

    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.out()).containsPattern(stepLine("greet", "hello from the user class path"));
  }

  @Test
  void withoutTheClasspathTheClassIsNotFound() {
    Result r = inProject(List.of("run", CLASS));

    assertOneLineError(r, "class " + CLASS + " not found: check the name and --classpath");
  }

  private Result run(String classpath, String isolation) {
    return inProject(List.of("run", "--classpath", classpath, "--isolation", isolation, CLASS));
  }
}
