package dev.skiff.core.spi;

import dev.skiff.core.internal.Hashing;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;

/**
 * Reads artifacts checked against their recorded content hash: the stream hashes what it hands out
 * and, at its end (or on close, after reading what is left), throws {@link
 * CorruptArtifactException} when the bytes are not the ones the producer wrote. Every read of an
 * artifact goes through here, whatever the store.
 */
public final class ArtifactReader {
  private ArtifactReader() {}

  /** The artifact's bytes, verified; a missing blob is a {@link CorruptArtifactException} too. */
  public static InputStream open(ArtifactStore store, ArtifactRecord artifact) throws IOException {
    InputStream raw;
    try {
      raw = store.open(artifact.path());
    } catch (NoSuchFileException | FileNotFoundException e) {
      throw new CorruptArtifactException(
          artifact,
          describe(artifact)
              + " is missing from the artifact store "
              + store.uri()
              + " ("
              + artifact.path()
              + ")",
          e);
    }
    return new Verifying(raw, artifact);
  }

  /** "artifact ID (output 'x' of step 's' in run R)". */
  public static String describe(ArtifactRecord a) {
    return "artifact "
        + a.id()
        + " (output '"
        + a.name()
        + "' of step '"
        + a.step()
        + "' in run "
        + a.runId()
        + ")";
  }

  /** An artifact whose bytes are gone or differ from its content hash. */
  public static final class CorruptArtifactException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient ArtifactRecord artifact;

    CorruptArtifactException(ArtifactRecord artifact, String message, Throwable cause) {
      super(message, cause);
      this.artifact = artifact;
    }

    public ArtifactRecord artifact() {
      return artifact;
    }
  }

  private static final class Verifying extends FilterInputStream {
    private final ArtifactRecord artifact;
    private final MessageDigest digest = Hashing.sha256();
    private boolean verified;

    Verifying(InputStream in, ArtifactRecord artifact) {
      super(in);
      this.artifact = artifact;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b < 0) {
        verify();
      } else {
        digest.update((byte) b);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
      int n = in.read(buffer, off, len);
      if (n < 0) {
        verify();
      } else {
        digest.update(buffer, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // every byte must be hashed: skip by reading
      byte[] buffer = new byte[(int) Math.min(8192, Math.max(1, n))];
      long skipped = 0;
      while (skipped < n) {
        int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
        if (r < 0) {
          break;
        }
        skipped += r;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    @Override
    public void close() throws IOException {
      try {
        if (!verified) {
          // a reader that stopped early still gets bytes checked: the rest may hide the damage
          byte[] buffer = new byte[1 << 16];
          while (read(buffer, 0, buffer.length) >= 0) {
            // hashing
          }
        }
      } finally {
        in.close();
      }
    }

    private void verify() throws CorruptArtifactException {
      if (verified) {
        return;
      }
      verified = true;
      String actual = Hashing.hex(digest);
      if (!actual.equals(artifact.contentHash())) {
        throw new CorruptArtifactException(
            artifact,
            describe(artifact)
                + " is corrupt: its recorded sha256 is "
                + artifact.contentHash()
                + " but the stored bytes hash to "
                + actual
                + "; its producer runs again on the next run",
            null);
      }
    }
  }
}
