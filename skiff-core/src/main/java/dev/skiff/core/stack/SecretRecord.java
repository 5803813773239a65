package dev.skiff.core.stack;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A secret as stored: each key's value encrypted (base64 of nonce and AES-GCM ciphertext). The
 * store never sees plain values.
 */
public record SecretRecord(
    String name, Map<String, String> encryptedValues, Instant createdAt, Instant updatedAt) {
  public SecretRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    encryptedValues =
        java.util.Collections.unmodifiableMap(new TreeMap<>(encryptedValues)); // sorted by key
  }
}
