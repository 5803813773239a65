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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Wraps the mock's dispatcher so that closing a watch cannot stall the mock server.
 *
 * <p>The mock's watch listener handles {@code onClosed}/{@code onFailure} on the Vert.x event
 * loop by waiting (up to a minute) for its sender thread, while that thread may itself wait (up
 * to 30 s) for the same event loop to complete a write. Every watch closed while events flow to
 * it (informers stopping, dropped watches) could then freeze all connections of that loop. The
 * wrapper runs those two callbacks on a separate thread instead.
 */
final class OffLoopCloseDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
  private final Dispatcher delegate;
  private final ExecutorService closer = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "fake-apiserver-watch-close");
    thread.setDaemon(true);
    return thread;
  });

  OffLoopCloseDispatcher(Dispatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response = delegate.dispatch(request);
    WebSocketListener listener = response.getWebSocketListener();
    if (listener != null) {
      response.withWebSocketUpgrade(new OffLoopClose(listener));
    }
    return response;
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
      offLoop(() -> delegate.onClosed(webSocket, code, reason));
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable error, Response response) {
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
