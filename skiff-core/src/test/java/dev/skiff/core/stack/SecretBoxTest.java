package dev.skiff.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  @TempDir Path dir;

  @Test
  void roundTripsAndNeverRepeatsCiphertext() {
    SecretBox box = SecretBox.open(dir.resolve("secret.key"), null);
    String a = box.encrypt("s3cr3t-value", "aws.key");
    String b = box.encrypt("s3cr3t-value", "aws.key");

    assertThat(a).isNotEqualTo(b).doesNotContain("s3cr3t");
    assertThat(new String(Base64.getDecoder().decode(a))).doesNotContain("s3cr3t");
    assertThat(box.decrypt(a, "aws.key")).isEqualTo("s3cr3t-value");
  }

  @Test
  void keyFileIsCreatedOwnerOnlyAndReused() throws Exception {
    Path keyFile = dir.resolve("home/secret.key");
    String enc = SecretBox.open(keyFile, null).encrypt("v", "n.k");

    assertThat(Files.getPosixFilePermissions(keyFile))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(SecretBox.open(keyFile, null).decrypt(enc, "n.k")).isEqualTo("v");
  }

  @Test
  void wrongKeyOrMovedCiphertextFailsClearly() {
    String enc = SecretBox.open(dir.resolve("a.key"), null).encrypt("v", "n.k");
    SecretBox other = SecretBox.open(dir.resolve("b.key"), null);

    assertThatThrownBy(() -> other.decrypt(enc, "n.k"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "cannot decrypt secret n.k: wrong secret key (SKIFF_SECRET_KEY or the key file) or damaged data");
    SecretBox same = SecretBox.open(dir.resolve("a.key"), null);
    assertThatThrownBy(() -> same.decrypt(enc, "n.other")).isInstanceOf(ConfigException.class);
  }

  @Test
  void environmentKeyWinsOverTheFile() {
    String key = Base64.getEncoder().encodeToString(new byte[32]);
    String enc = SecretBox.open(dir.resolve("unused.key"), key).encrypt("v", "n.k");

    assertThat(SecretBox.of(new byte[32]).decrypt(enc, "n.k")).isEqualTo("v");
    assertThat(dir.resolve("unused.key")).doesNotExist();
    assertThatThrownBy(() -> SecretBox.open(dir.resolve("x"), "not-base64!"))
        .hasMessageStartingWith("the secret key in SKIFF_SECRET_KEY is not 32 bytes of base64");
  }
}
