package dev.skiff.local.internal;

import dev.skiff.core.internal.Hashing;
import dev.skiff.core.internal.UserCache;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A class-data-sharing archive of the classes a step process loads (JDK dynamic archive), one per
 * JDK, class path (with each jar's size and time) and JVM flags, kept in the user cache ({@code
 * <cache>/cds/}). The first step process of a class path writes it as it exits ({@code
 * -XX:ArchiveClassesAtExit}, about a second more for that step); later ones map the classes from it
 * ({@code -XX:SharedArchiveFile}) instead of loading and verifying them from the jars. The JVM
 * checks the archive against the class path itself and ignores one that does not match; its CDS
 * messages are turned off so they never reach a step's log. Only class paths of jars are archived
 * (the JDK refuses class folders); one the JDK wrote no archive for is remembered and not tried
 * again; JVM flags of the user's that choose their own archive turn this off.
 */
public final class StepClassArchive {
  private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");
  private static final Duration DUMP_TIMEOUT = Duration.ofMinutes(30);
  private static final Duration UNUSED = Duration.ofDays(7);
  private static final String SUFFIX = ".jsa";

  private final Path dir;
  private final String key;

  StepClassArchive(Path dir, String key) {
    this.dir = dir;
    this.key = key;
  }

  /** Where the archive is (or will be). */
  public Path file() {
    return dir.resolve(key + SUFFIX);
  }

  /**
   * The archive for step JVMs started with {@code java} on {@code classpath} with {@code jvmArgs};
   * null if none can be kept.
   */
  public static StepClassArchive of(Path java, String classpath, List<String> jvmArgs) {
    for (String arg : jvmArgs) {
      if (arg.startsWith("-Xshare")
          || arg.contains("SharedArchiveFile")
          || arg.contains("ArchiveClassesAtExit")
          || arg.contains("SharedClassListFile")
          || arg.contains("DumpLoadedClassList")) {
        return null;
      }
    }
    Path dir = UserCache.dir("cds").orElse(null);
    if (dir == null) {
      return null;
    }
    StringBuilder identity =
        new StringBuilder()
            .append(java.toAbsolutePath())
            .append('\n')
            .append(System.getProperty("java.vm.version"))
            .append('\n')
            .append(String.join("\u0000", jvmArgs))
            .append('\n');
    for (String entry : classpath.split(File.pathSeparator)) {
      identity.append(entry);
      try {
        BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
        if (a.isDirectory()) {
          // Java 17 cannot archive a class path with a class folder: the writing JVM would fail
          // as it exits ("Cannot have non-empty directory in paths")
          return null;
        }
        identity.append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis());
      } catch (IOException | RuntimeException e) {
        identity.append(" -");
      }
      identity.append('\n');
    }
    String key =
        Hashing.sha256(identity.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    return new StepClassArchive(dir, key);
  }

  /** One step JVM's use of the archive: its flags, and what to do when it has exited. */
  public interface Use {
    List<String> jvmArgs();

    /** Called once the JVM has exited with {@code exitCode} (or was lost: -1). */
    void exited(int exitCode);
  }

  /**
   * Flags for the next step JVM: map the archive if it exists; else write it, if no other step JVM
   * is writing it; else none.
   */
  public Use next() {
    Path archive = file();
    if (Files.isRegularFile(archive)) {
      List<String> args = new ArrayList<>(QUIET);
      args.add("-XX:SharedArchiveFile=" + archive);
      return use(args, code -> {});
    }
    Path unusable = dir.resolve(key + ".unusable");
    Path dumping = dir.resolve(key + ".dumping");
    if (Files.exists(unusable) || !claim(dumping)) {
      return use(List.of(), code -> {});
    }
    Path part = dir.resolve(key + "." + UUID.randomUUID() + ".part");
    List<String> args = new ArrayList<>(QUIET);
    args.add("-XX:ArchiveClassesAtExit=" + part);
    return use(
        args,
        code -> {
          try {
            if (code == 0 && Files.isRegularFile(part) && Files.size(part) > 0) {
              Files.move(
                  part,
                  archive,
                  StandardCopyOption.ATOMIC_MOVE,
                  StandardCopyOption.REPLACE_EXISTING);
              pruneUnused();
            } else if (code == 0) {
              Files.writeString(
                  unusable, "the JDK wrote no archive for this class path\n"); // do not try again
            }
          } catch (IOException | RuntimeException e) {
            // a start-up aid only
          } finally {
            deleteQuietly(part);
            deleteQuietly(dumping);
          }
        });
  }

  private static Use use(List<String> args, java.util.function.IntConsumer onExit) {
    return new Use() {
      @Override
      public List<String> jvmArgs() {
        return args;
      }

      @Override
      public void exited(int exitCode) {
        onExit.accept(exitCode);
      }
    };
  }

  /**
   * Whether this JVM may write the archive now: no other is writing it (a claim older than the
   * timeout is stale).
   */
  private static boolean claim(Path dumping) {
    try {
      Files.createFile(dumping);
      return true;
    } catch (FileAlreadyExistsException e) {
      try {
        if (Files.getLastModifiedTime(dumping)
            .toInstant()
            .isBefore(Instant.now().minus(DUMP_TIMEOUT))) {
          Files.deleteIfExists(dumping);
          Files.createFile(dumping);
          return true;
        }
      } catch (IOException | RuntimeException again) {
        return false;
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Removes archives of class paths not archived again for a week (each build makes a new one). */
  private void pruneUnused() {
    FileTime cutoff = FileTime.from(Instant.now().minus(UNUSED));
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (!name.startsWith(key)
            && (name.endsWith(SUFFIX) || name.endsWith(".unusable") || name.endsWith(".part"))
            && Files.getLastModifiedTime(f).compareTo(cutoff) < 0) {
          deleteQuietly(f);
        }
      }
    } catch (IOException | RuntimeException e) {
      // next time
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // stays until pruned
    }
  }
}
