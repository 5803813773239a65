package dev.skiff.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URL;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class JibErrorsTest {
  private static final String TARGET = "registry.example.com/team/skiff:digits";

  @Test
  void networkFailuresNameTheRegistry() {
    assertThat(
            JibErrors.describe(
                new ExecutionException(
                    new IOException(new UnknownHostException("registry.example.com"))),
                TARGET))
        .isEqualTo("cannot reach registry registry.example.com: unknown host registry.example.com");
    assertThat(JibErrors.describe(new ConnectException("Connection refused"), TARGET))
        .isEqualTo("cannot reach registry registry.example.com: connection refused");
  }

  @Test
  void insecureRegistryNamesTheHostFromTheUrl() throws Exception {
    InsecureRegistryException e =
        new InsecureRegistryException(
            new URL("https://other.example.com:5000/v2/"), new SSLHandshakeException("bad cert"));
    assertThat(JibErrors.describe(e, TARGET))
        .isEqualTo(
            "registry other.example.com:5000 has no valid HTTPS: set --insecure=true to allow plain HTTP and untrusted certificates");
  }

  @Test
  void otherRegistryErrorsKeepTheirFirstLine() {
    assertThat(JibErrors.describe(new RegistryException("manifest unknown\nmore detail"), TARGET))
        .isEqualTo("registry registry.example.com: manifest unknown");
    assertThat(JibErrors.describe(new IOException("disk full\nstack"), TARGET))
        .isEqualTo("cannot build image " + TARGET + ": disk full");
  }
}
