package dev.skiff.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.testing.s3.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 256 MiB artifact goes up and comes back through a JVM with a 96 MiB heap: writes and reads
 * stream.
 */
class BigRoundTripTest {
  private static final long SIZE = 256L * 1024 * 1024;

  @Test
  @Timeout(300)
  void a256MiBBlobRoundTripsInA96MiBHeap() throws IOException, InterruptedException {
    S3Server s3 = TestStores.server();
    S3ArtifactStoreConfig config = TestStores.freshPrefix();
    ProcessBuilder child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m",
                "-cp",
                classPath(),
                BigRoundTripMain.class.getName(),
                s3.endpoint(),
                config.path(),
                Long.toString(SIZE))
            .redirectErrorStream(true);
    // keys through the environment: the AWS default credentials chain, as in a pod
    Map<String, String> env = child.environment();
    env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
    env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    Process process = child.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println(output);

    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("wrote " + SIZE + " bytes").contains("read " + SIZE + " bytes");
  }

  /** The test class path: under Surefire {@code java.class.path} may be a manifest-only jar. */
  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank()
        ? surefire
        : System.getProperty("java.class.path");
  }
}
