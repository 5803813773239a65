package dev.skiff.testing.kubernetes;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wraps the mock's dispatcher so that closing a watch can neither stall the mock server nor lose a
 * request that races with the close.
 *
 * <p>Stall: the mock's watch listener handles {@code onClosed}/{@code onFailure} on the Vert.x
 * event loop by waiting (up to a minute) for its sender thread, while that thread may itself wait
 * (up to 30 s) for the same event loop to complete a write. Every watch closed while events flow to
 * it (informers stopping, dropped watches) could then freeze all connections of that loop. The
 * wrapper runs those two callbacks on a separate thread instead.
 *
 * <p>Lost request: in those callbacks the listener shuts its sender down <em>before</em> it leaves
 * the CRUD dispatcher's set of watches. A create/update/delete dispatched in that window (for
 * instance right after {@link FakeCluster#dropWatches()}) still finds the listener, its event is
 * rejected by the shut-down sender, and the {@link RejectedExecutionException} escapes the
 * dispatcher: the mock never answers that request (the client times out) and the watches after the
 * closing one in the set miss the event. So before the listener's own close runs, the wrapper takes
 * it out of the set, exclusively of any dispatch in progress (which could still hold the set's old
 * snapshot): from then on no request reaches it. As a last resort, a dispatcher failure is answered
 * with a 500 Status instead of leaving the request unanswered.
 */
final class OffLoopCloseDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
  private static final Logger LOG = Logger.getLogger(OffLoopCloseDispatcher.class.getName());

  /**
   * {@code WatchEventsListener.watchEventListenerList}: the CRUD dispatcher's watches (fabric8
   * 7.8).
   */
  private static final Field WATCH_SET = watchSetField();

  private final Dispatcher delegate;

  /** Dispatches share it; taking a closing watch out of the set excludes them. */
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();

  private final ExecutorService closer =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "fake-apiserver-watch-close");
            thread.setDaemon(true);
            return thread;
          });

  OffLoopCloseDispatcher(Dispatcher delegate) {
    this.delegate = delegate;
  }

  private static Field watchSetField() {
    String owner = "io.fabric8.kubernetes.client.server.mock.WatchEventsListener";
    try {
      Field field = Class.forName(owner).getDeclaredField("watchEventListenerList");
      if (!Set.class.isAssignableFrom(field.getType())) {
        throw new NoSuchFieldException("watchEventListenerList is a " + field.getType());
      }
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "unsupported fabric8 kubernetes-server-mock: cannot reach "
              + owner
              + ".watchEventListenerList,"
              + " which FakeCluster needs to close watches safely (see OffLoopCloseDispatcher)",
          e);
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response;
    gate.readLock().lock();
    try {
      response = delegate.dispatch(request);
    } catch (RuntimeException e) {
      // Thrown out of the dispatcher, it would reach the mock's event loop as an unhandled
      // exception and the request would never be answered.
      LOG.log(
          Level.WARNING,
          e,
          () -> "fake API server failed on " + request.getMethod() + " " + request.getPath());
      return new MockResponse()
          .setResponseCode(500)
          .setHeader("Content-Type", "application/json")
          .setBody(
              Kube.statusBody(500, Kube.reasonFor(500), "fake API server failed: " + e, Map.of()));
    } finally {
      gate.readLock().unlock();
    }
    WebSocketListener listener = response.getWebSocketListener();
    if (listener != null) {
      response.withWebSocketUpgrade(new OffLoopClose(listener));
    }
    return response;
  }

  /**
   * Takes a closing watch out of the CRUD dispatcher's set, so that no request reaches it any more.
   */
  private void detach(WebSocketListener listener) {
    if (!WATCH_SET.getDeclaringClass().isInstance(listener)) {
      return; // an expectation's WebSocket, not a CRUD watch
    }
    Set<?> watches;
    try {
      watches = (Set<?>) WATCH_SET.get(listener);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
    if (watches == null) {
      return;
    }
    if (gate.getReadHoldCount() > 0) {
      watches.remove(listener); // closed from inside a dispatch: it cannot race with itself
      return;
    }
    gate.writeLock().lock();
    try {
      watches.remove(listener);
    } finally {
      gate.writeLock().unlock();
    }
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  @Override
  public void releaseResources() {
    delegate.releaseResources();
    closer.shutdown();
  }

  @Override
  public void reset() {
    if (delegate instanceof Resetable resetable) {
      resetable.reset();
    }
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    if (delegate instanceof CustomResourceAware aware) {
      aware.expectCustomResource(context);
    }
  }

  private final class OffLoopClose extends WebSocketListener {
    private final WebSocketListener delegate;

    OffLoopClose(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(webSocket, response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      delegate.onOpen(webSocket, response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      delegate.onClosing(webSocket, code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      detach(delegate);
      offLoop(() -> delegate.onClosed(webSocket, code, reason));
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable error, Response response) {
      detach(delegate);
      offLoop(() -> delegate.onFailure(webSocket, error, response));
    }

    private void offLoop(Runnable task) {
      try {
        closer.execute(task);
      } catch (RejectedExecutionException e) {
        task.run();
      }
    }
  }
}
