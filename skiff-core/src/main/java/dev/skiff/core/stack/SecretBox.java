package dev.skiff.core.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secret values with AES-256-GCM. The key lives outside the metadata store: in a file
 * readable only by its owner (created on first use), or in the {@code SKIFF_SECRET_KEY} environment
 * variable (base64), so a copy of the database alone reveals nothing.
 */
public final class SecretBox {
  public static final String KEY_ENV = "SKIFF_SECRET_KEY";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKey key;

  private SecretBox(SecretKey key) {
    this.key = key;
  }

  /** From {@code SKIFF_SECRET_KEY} if set, else from {@code keyFile} (created if missing). */
  public static SecretBox open(Path keyFile, String envKey) {
    if (envKey != null && !envKey.isBlank()) {
      return fromBase64(envKey.trim(), KEY_ENV);
    }
    try {
      if (!Files.exists(keyFile)) {
        create(keyFile);
      }
      return fromBase64(
          Files.readString(keyFile, StandardCharsets.US_ASCII).trim(), keyFile.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the secret key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  public static SecretBox of(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("a secret key has 32 bytes, got " + key.length);
    }
    return new SecretBox(new SecretKeySpec(key, "AES"));
  }

  private static SecretBox fromBase64(String text, String source) {
    try {
      return of(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "the secret key in " + source + " is not 32 bytes of base64: " + e.getMessage());
    }
  }

  private static void create(Path keyFile) throws IOException {
    Files.createDirectories(keyFile.toAbsolutePath().getParent());
    byte[] key;
    try {
      KeyGenerator gen = KeyGenerator.getInstance("AES");
      gen.init(256, RANDOM);
      key = gen.generateKey().getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256 is not available in this JVM", e);
    }
    Path temp = Files.createTempFile(keyFile.toAbsolutePath().getParent(), ".secret-key", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // Windows: the user's profile folder is private already
      }
      Files.writeString(
          temp, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
      try {
        Files.move(temp, keyFile); // no REPLACE_EXISTING: a concurrent first use keeps one key
      } catch (FileAlreadyExistsException other) {
        Files.deleteIfExists(temp);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Base64 of a fresh nonce followed by the ciphertext and tag; {@code aad} binds it to its place.
   */
  public String encrypt(String plain, String aad) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + ct.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(ct, 0, out, nonce.length, ct.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt: " + e.getMessage(), e);
    }
  }

  public String decrypt(String encoded, String aad) {
    try {
      byte[] in = Base64.getDecoder().decode(encoded);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      return new String(
          c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException(
          "cannot decrypt secret "
              + aad
              + ": wrong secret key ("
              + KEY_ENV
              + " or the key file) or damaged data");
    }
  }
}
