package dev.skiff.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens SQLite files for a store that several processes (one per step) write at once. */
public final class Sqlite {

  /** How long a writer waits for another process's write to finish before failing. */
  private static final int BUSY_TIMEOUT_MILLIS = 10_000;

  // FileChannel locks belong to the whole JVM (a second lock() in the same JVM throws), so
  // threads of one JVM take this lock first.
  private static final ReentrantLock OPENING = new ReentrantLock();

  private Sqlite() {}

  /**
   * Opens {@code file} (created if missing) and migrates it. Opening is serialized across processes
   * with a lock on a sibling {@code <file>.lock}: Flyway cannot lock an SQLite schema, so two
   * processes migrating a new file at once would both create the tables.
   */
  public static Connection open(Path file) throws IOException, SQLException {
    SqliteNativeLibrary.useCached();
    SQLiteDataSource dataSource = dataSource(file);
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    OPENING.lock();
    try (FileChannel channel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      Connection connection = dataSource.getConnection();
      try {
        Migrations.migrate(connection, dataSource);
        return connection;
      } catch (SQLException | RuntimeException e) {
        connection.close();
        throw e;
      }
    } finally {
      OPENING.unlock();
    }
  }

  private static SQLiteDataSource dataSource(Path file) {
    SQLiteConfig config = new SQLiteConfig();
    // Readers never block the writer and vice versa; one writer at a time, others wait.
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    // In WAL mode NORMAL is still crash-safe for the database file; it only skips an fsync
    // per commit, which is what makes a write take microseconds rather than milliseconds.
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    // Take the write lock when a transaction begins: a read lock upgraded later fails at once
    // with SQLITE_BUSY when another process wrote meanwhile, without waiting busy_timeout.
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    SQLiteDataSource dataSource = new SQLiteDataSource(config);
    dataSource.setUrl("jdbc:sqlite:" + file);
    return dataSource;
  }
}
