package dev.skiff.artifacts.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogAppenderTest {
  /** A log object in memory that records every write. */
  static final class FakeBlob implements LogAppender.Blob {
    final List<String> writes = new ArrayList<>();
    String content;
    int reads;
    boolean failing;

    FakeBlob(String content) {
      this.content = content;
    }

    @Override
    public synchronized byte[] read() {
      reads++;
      return content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(byte[] bytes, int length) throws IOException {
      if (failing) {
        throw new IOException("HTTP 503 SlowDown");
      }
      content = new String(Arrays.copyOf(bytes, length), StandardCharsets.UTF_8);
      writes.add(content);
    }

    synchronized List<String> writes() {
      return List.copyOf(writes);
    }
  }

  @Test
  void readsTheEarlierLogOnceAndPublishesAtMostOnceASecond() throws Exception {
    FakeBlob blob = new FakeBlob("attempt 1\n");
    LogAppender log = new LogAppender(blob);
    for (int i = 0; i < 100; i++) {
      log.append(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
    }
    assertThat(blob.writes()).as("nothing before a second passed").isEmpty();

    Thread.sleep(LogAppender.PUBLISH_EVERY.toMillis() + 700);

    assertThat(blob.writes()).hasSize(1);
    assertThat(blob.writes().get(0)).startsWith("attempt 1\nline 0\n").endsWith("line 99\n");
    assertThat(blob.reads).isEqualTo(1);

    Thread.sleep(LogAppender.PUBLISH_EVERY.toMillis() + 300);
    assertThat(blob.writes()).as("nothing changed, nothing published").hasSize(1);

    log.append("last\n".getBytes(StandardCharsets.UTF_8));
    log.close();
    assertThat(blob.writes()).hasSize(2);
    assertThat(blob.content).endsWith("line 99\nlast\n");
    log.close();
    assertThat(blob.writes()).as("a second close has nothing to publish").hasSize(2);
  }

  @Test
  void anAppenderWithoutLinesWritesNothing() throws IOException {
    FakeBlob blob = new FakeBlob(null);
    new LogAppender(blob).close();

    assertThat(blob.writes()).isEmpty();
  }

  @Test
  void aFailedPublishIsRetriedAndCloseReportsIt() throws Exception {
    FakeBlob blob = new FakeBlob(null);
    LogAppender log = new LogAppender(blob);
    blob.failing = true;
    log.append("one\n".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(log::close).hasMessage("HTTP 503 SlowDown");

    blob.failing = false;
    Thread.sleep(2 * LogAppender.PUBLISH_EVERY.toMillis() + 500);
    assertThat(blob.content).as("the timer tried again").isEqualTo("one\n");
  }
}
