package dev.skiff.testing.kubernetes;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster's API address: an HTTPS server in front of the fabric8 mock API server.
 *
 * <p>Why a server and not a {@code Dispatcher}: the mock web server calls its dispatcher on a
 * Vert.x event loop and sends each response body in one piece, so a dispatcher can neither stream a
 * followed log nor wait for a process without stalling unrelated requests. This front does, in
 * order, for every request: records it; answers injected API faults; answers a watch from a
 * compacted resourceVersion with 410 Gone; proxies WebSocket upgrades (watches) to the mock,
 * keeping them so they can be dropped; serves {@code pods/NAME/log} from the fake kubelet (streamed
 * when {@code follow=true}); applies the API semantics the mock lacks (see {@link ApiSemantics});
 * forwards everything else to the mock's CRUD/expectation dispatcher.
 */
final class ApiFront implements AutoCloseable {

  /** What the front needs from the rest of the cluster. Blocking methods run off the event loop. */
  interface Hooks {
    boolean interested(String method, String path);

    Decision decide(
        String method, String path, String query, String contentType, byte[] body, String user);

    LogLookup lookupLog(String namespace, String pod, String container, boolean previous);

    String userFor(String bearerToken);
  }

  /** A response made here rather than by the mock. */
  record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    static Reply status(int code, String message) {
      return status(code, Kube.reasonFor(code), message, Map.of());
    }

    static Reply status(int code, String reason, String message, Map<String, String> details) {
      Map<String, String> headers = code == 429 ? Map.of("Retry-After", "1") : Map.of();
      return new Reply(
          code, "application/json", Kube.statusBody(code, reason, message, details), headers);
    }
  }

  /** What to do with a request the semantics looked at. */
  sealed interface Decision permits Answer, Pass {}

  /** Answer without reaching the mock. */
  record Answer(Reply reply) implements Decision {}

  /** Forward to the mock with this (possibly rewritten) body and, if not null, content type. */
  record Pass(byte[] body, String contentType) implements Decision {
    Pass(byte[] body) {
      this(body, null);
    }
  }

  /** A container log, or why there is none. */
  record LogLookup(ContainerLog log, Reply error) {}

  private static final Pattern LOG_PATH =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$");
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "trailers",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length");
  private static final int MAX_WEBSOCKET_MESSAGE = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final HttpServer server;
  private final HttpClient backend;
  private final int backendPort;
  private final Hooks hooks;
  private final ExecutorService blocking;
  private final List<ApiRequest> requests = new ArrayList<>();
  private final List<ApiFault> faults = new CopyOnWriteArrayList<>();
  private final List<LogStreamCut> logCuts = new CopyOnWriteArrayList<>();
  private final Set<ProxiedWatch> watches = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicLong connections =
      new java.util.concurrent.atomic.AtomicLong();

  /** Watches from a resourceVersion below this are 410 Gone (0: every version is retained). */
  private volatile long oldestRetained;

  private record ProxiedWatch(Context context, ServerWebSocket front, WebSocket back, String uri) {}

  ApiFront(int backendPort, Tls.Material tls, Hooks hooks) {
    this.backendPort = backendPort;
    this.hooks = hooks;
    this.blocking =
        Executors.newCachedThreadPool(
            r -> {
              Thread thread = new Thread(r, "fake-apiserver-worker");
              thread.setDaemon(true);
              return thread;
            });
    this.vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(2)
                .setBlockedThreadCheckInterval(10)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    this.backend =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(backendPort)
                .setMaxPoolSize(128)
                .setMaxWebSockets(4096)
                .setKeepAlive(true)
                .setMaxWebSocketFrameSize(MAX_WEBSOCKET_MESSAGE)
                .setMaxWebSocketMessageSize(MAX_WEBSOCKET_MESSAGE));
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost("127.0.0.1")
            .setPort(0)
            .setSsl(true)
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(tls.certificatePem()))
                    .setKeyValue(Buffer.buffer(tls.privateKeyPem())))
            .setMaxWebSocketFrameSize(MAX_WEBSOCKET_MESSAGE)
            .setMaxWebSocketMessageSize(MAX_WEBSOCKET_MESSAGE)
            .setWebSocketSubProtocols(
                List.of(
                    "v4.channel.k8s.io",
                    "v3.channel.k8s.io",
                    "v2.channel.k8s.io",
                    "channel.k8s.io"));
    this.server =
        vertx
            .createHttpServer(options)
            .connectionHandler(c -> connections.incrementAndGet())
            .requestHandler(this::handle);
    try {
      server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot start the fake API server front", e);
    }
  }

  int port() {
    return server.actualPort();
  }

  // ---- introspection and faults -------------------------------------------------------------

  List<ApiRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  void resetRequests() {
    synchronized (requests) {
      requests.clear();
    }
    connections.set(0);
  }

  void addFault(ApiFault fault) {
    faults.add(fault);
  }

  void addLogCut(LogStreamCut cut) {
    logCuts.add(cut);
  }

  /**
   * Forgets every resourceVersion below {@code version}, as etcd compaction (or the watch cache
   * window moving on) does: a watch from an older version gets {@code 410 Gone}.
   */
  void expireResourceVersionsBelow(long version) {
    oldestRetained = Math.max(oldestRetained, version);
  }

  int dropWatches() {
    return dropWatches(null);
  }

  /**
   * Closes the open watches whose URI ({@code path?query}) contains a match of {@code uri}; null:
   * all.
   */
  int dropWatches(Pattern uri) {
    List<ProxiedWatch> open =
        List.copyOf(watches).stream()
            .filter(w -> uri == null || uri.matcher(w.uri()).find())
            .toList();
    for (ProxiedWatch watch : open) {
      watches.remove(watch);
      watch
          .context()
          .runOnContext(
              v -> {
                if (!watch.front().isClosed()) {
                  watch.front().close((short) 1000, "watch closed by FakeCluster.dropWatches()");
                }
                if (!watch.back().isClosed()) {
                  watch.back().close();
                }
              });
    }
    return open.size();
  }

  /** Connections accepted (each a TLS handshake) since start or the last request reset. */
  long connections() {
    return connections.get();
  }

  int openWatches() {
    return watches.size();
  }

  @Override
  public void close() {
    blocking.shutdownNow();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // best effort
    }
  }

  // ---- request handling ----------------------------------------------------------------------

  private void handle(HttpServerRequest request) {
    Context context = Vertx.currentContext();
    String uri = request.uri();
    String method = request.method().name();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? "" : uri.substring(q + 1);
    Map<String, String> params = parseQuery(query);
    boolean upgrade = request.headers().contains(HttpHeaders.UPGRADE, "websocket", true);
    boolean watch =
        upgrade || "true".equals(params.get("watch")) || "1".equals(params.get("watch"));
    String user = hooks.userFor(bearer(request.getHeader("Authorization")));
    synchronized (requests) {
      requests.add(new ApiRequest(Instant.now(), method, path, query, user, watch));
    }
    for (ApiFault fault : faults) {
      if (fault.tryHit(method, uri)) {
        reply(
            request,
            Reply.status(fault.statusCode(), "injected by FakeCluster: " + method + " " + path));
        return;
      }
    }
    if (watch && tooOld(params.get("resourceVersion"))) {
      gone(request, upgrade, params.get("resourceVersion"));
      return;
    }
    if (upgrade) {
      proxyWebSocket(request, context);
      return;
    }
    Matcher log = LOG_PATH.matcher(path);
    if (log.matches() && "GET".equals(method)) {
      serveLog(request, context, decode(log.group(1)), decode(log.group(2)), params);
      return;
    }
    request
        .body()
        .onComplete(
            read -> {
              if (read.failed()) {
                reply(request, Reply.status(400, "cannot read request body: " + read.cause()));
                return;
              }
              byte[] body = read.result() == null ? new byte[0] : read.result().getBytes();
              if (!hooks.interested(method, path)) {
                forward(request, body, null);
                return;
              }
              String contentType = request.getHeader("Content-Type");
              blocking.execute(
                  () -> {
                    Decision decision;
                    try {
                      decision = hooks.decide(method, path, query, contentType, body, user);
                    } catch (RuntimeException e) {
                      decision = new Answer(Reply.status(500, "fake cluster failed: " + e));
                    }
                    Decision decided = decision;
                    context.runOnContext(
                        v -> {
                          if (decided instanceof Answer answer) {
                            reply(request, answer.reply());
                          } else {
                            Pass pass = (Pass) decided;
                            forward(request, pass.body(), pass.contentType());
                          }
                        });
                  });
            });
  }

  private void forward(HttpServerRequest request, byte[] body, String contentType) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(request.method())
            .setHost("127.0.0.1")
            .setPort(backendPort)
            .setURI(request.uri());
    request
        .headers()
        .forEach(
            h -> {
              String name = h.getKey().toLowerCase(Locale.ROOT);
              if (!NOT_FORWARDED.contains(name)
                  && !(contentType != null && name.equals("content-type"))) {
                options.addHeader(h.getKey(), h.getValue());
              }
            });
    if (contentType != null) {
      options.putHeader("Content-Type", contentType);
    }
    HttpServerResponse response = request.response();
    backend
        .request(options)
        .compose(out -> body.length == 0 ? out.send() : out.send(Buffer.buffer(body)))
        .compose(
            in ->
                in.body()
                    .map(
                        content -> {
                          if (response.ended() || response.closed()) {
                            return null;
                          }
                          response.setStatusCode(in.statusCode());
                          in.headers()
                              .forEach(
                                  h -> {
                                    if (!NOT_FORWARDED.contains(
                                        h.getKey().toLowerCase(Locale.ROOT))) {
                                      response.headers().add(h.getKey(), h.getValue());
                                    }
                                  });
                          if (in.statusCode() >= 400
                              && (content == null || content.length() == 0)) {
                            // The mock answers some errors (404 on get/put/patch) without a body;
                            // the API server
                            // always sends a Status.
                            response.headers().set("Content-Type", "application/json");
                            response.end(
                                Buffer.buffer(
                                    Kube.statusBody(
                                        in.statusCode(),
                                        Kube.reasonFor(in.statusCode()),
                                        describe(request),
                                        Map.of())));
                          } else {
                            response.end(content == null ? Buffer.buffer() : content);
                          }
                          return null;
                        }))
        .onFailure(e -> reply(request, Reply.status(502, "fake API server unreachable: " + e)));
  }

  private static String describe(HttpServerRequest request) {
    String[] parts = request.path().split("/");
    if (parts.length >= 2) {
      String name = parts[parts.length - 1];
      String plural = parts[parts.length - 2];
      if ("status".equals(name) && parts.length >= 3) {
        name = parts[parts.length - 2];
        plural = parts[parts.length - 3];
      }
      return plural + " \"" + name + "\" not found";
    }
    return "not found";
  }

  private void proxyWebSocket(HttpServerRequest request, Context context) {
    request.pause();
    WebSocketConnectOptions options =
        new WebSocketConnectOptions()
            .setHost("127.0.0.1")
            .setPort(backendPort)
            .setURI(request.uri());
    request
        .headers()
        .forEach(
            h -> {
              String name = h.getKey().toLowerCase(Locale.ROOT);
              if (!NOT_FORWARDED.contains(name) && !name.startsWith("sec-websocket")) {
                options.addHeader(h.getKey(), h.getValue());
              }
            });
    String protocols = request.getHeader("Sec-WebSocket-Protocol");
    if (protocols != null && !protocols.isBlank()) {
      options.setSubProtocols(Arrays.stream(protocols.split(",")).map(String::trim).toList());
    }
    backend
        .webSocket(options)
        .onComplete(
            connected -> {
              if (connected.failed()) {
                int code =
                    connected.cause() instanceof UpgradeRejectedException rejected
                        ? rejected.getStatus()
                        : 502;
                reply(
                    request, Reply.status(code, "watch failed: " + connected.cause().getMessage()));
                return;
              }
              WebSocket back = connected.result();
              back.pause();
              request
                  .toWebSocket()
                  .onComplete(
                      accepted -> {
                        if (accepted.failed()) {
                          back.close();
                          return;
                        }
                        ServerWebSocket front = accepted.result();
                        ProxiedWatch watch = new ProxiedWatch(context, front, back, request.uri());
                        watches.add(watch);
                        back.textMessageHandler(front::writeTextMessage);
                        back.binaryMessageHandler(front::writeBinaryMessage);
                        front.textMessageHandler(back::writeTextMessage);
                        front.binaryMessageHandler(back::writeBinaryMessage);
                        back.closeHandler(
                            v -> {
                              watches.remove(watch);
                              if (!front.isClosed()) {
                                Short code = back.closeStatusCode();
                                front.close(code == null ? (short) 1000 : code, back.closeReason());
                              }
                            });
                        front.closeHandler(
                            v -> {
                              watches.remove(watch);
                              if (!back.isClosed()) {
                                back.close();
                              }
                            });
                        back.exceptionHandler(e -> front.close());
                        front.exceptionHandler(e -> back.close());
                        back.resume();
                      });
            });
  }

  private boolean tooOld(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || "0".equals(resourceVersion)) {
      return false; // "any version": served from the cache, never too old
    }
    try {
      return Long.parseLong(resourceVersion) < oldestRetained;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * What the API server's watch cache answers a watch from a compacted resourceVersion: the watch
   * starts, sends one ERROR event whose object is a 410 {@code Status} ("too old resource
   * version"), and ends. Clients relist (an informer) or give up (a plain watch).
   */
  private void gone(HttpServerRequest request, boolean upgrade, String resourceVersion) {
    String status =
        new String(
            Kube.statusBody(
                410,
                "Expired",
                "too old resource version: " + resourceVersion + " (" + oldestRetained + ")",
                Map.of()),
            StandardCharsets.UTF_8);
    String event = "{\"type\":\"ERROR\",\"object\":" + status + "}";
    if (!upgrade) {
      HttpServerResponse response = request.response();
      response.setStatusCode(200).putHeader("Content-Type", "application/json");
      response.end(event + "\n");
      return;
    }
    request
        .toWebSocket()
        .onComplete(
            accepted -> {
              if (accepted.succeeded()) {
                ServerWebSocket socket = accepted.result();
                socket.writeTextMessage(event).onComplete(written -> socket.close((short) 1000));
              }
            });
  }

  private void serveLog(
      HttpServerRequest request,
      Context context,
      String namespace,
      String pod,
      Map<String, String> params) {
    boolean follow = "true".equals(params.get("follow"));
    Integer tailLines;
    try {
      tailLines = params.containsKey("tailLines") ? Integer.valueOf(params.get("tailLines")) : null;
    } catch (NumberFormatException e) {
      reply(request, Reply.status(400, "invalid tailLines: " + params.get("tailLines")));
      return;
    }
    String container = params.get("container");
    boolean previous = "true".equals(params.get("previous"));
    blocking.execute(
        () -> {
          LogLookup lookup;
          try {
            lookup = hooks.lookupLog(namespace, pod, container, previous);
          } catch (RuntimeException e) {
            lookup = new LogLookup(null, Reply.status(500, "fake kubelet failed: " + e));
          }
          LogLookup found = lookup;
          int cutAfter = -1;
          if (follow && found.error() == null) {
            for (LogStreamCut cut : logCuts) {
              if (cut.tryHit(pod)) {
                cutAfter = cut.afterLines();
                break;
              }
            }
          }
          int cut = cutAfter;
          context.runOnContext(v -> streamLog(request, context, found, follow, tailLines, cut));
        });
  }

  /**
   * Serves a container log; followed, it streams as the container writes. {@code cutAfter} ≥ 0: the
   * connection is closed after that many lines, mid-stream (no end of the chunked body), as when
   * the API server or kubelet restarts.
   */
  private static void streamLog(
      HttpServerRequest request,
      Context context,
      LogLookup found,
      boolean follow,
      Integer tailLines,
      int cutAfter) {
    if (found.error() != null) {
      reply(request, found.error());
      return;
    }
    HttpServerResponse response = request.response();
    response.setStatusCode(200).putHeader("Content-Type", "text/plain");
    if (!follow) {
      response.end(Buffer.buffer(found.log().tail(tailLines)));
      return;
    }
    response.setChunked(true);
    AtomicBoolean done = new AtomicBoolean();
    LineBudget budget = new LineBudget(cutAfter);
    ContainerLog.Subscription subscription =
        found
            .log()
            .follow(
                tailLines,
                new ContainerLog.Listener() {
                  @Override
                  public void onData(byte[] chunk) {
                    context.runOnContext(
                        v -> {
                          if (!done.get() && !response.closed()) {
                            write(request, response, budget, chunk, done);
                          }
                        });
                  }

                  @Override
                  public void onEnd() {
                    context.runOnContext(
                        v -> {
                          if (done.compareAndSet(false, true) && !response.closed()) {
                            response.end();
                          }
                        });
                  }
                });
    if (subscription.initial().length > 0) {
      write(request, response, budget, subscription.initial(), done);
    } else {
      response.writeHead();
    }
    if (subscription.ended()) {
      if (done.compareAndSet(false, true)) {
        response.end();
      }
      return;
    }
    response.closeHandler(
        v -> {
          done.set(true);
          subscription.cancel().run();
        });
  }

  /** Lines a stream may still send before it is cut (negative: no cut). */
  private static final class LineBudget {
    int left;

    LineBudget(int lines) {
      this.left = lines;
    }
  }

  /** Writes a chunk of a followed log, or the part of it within the budget and then cuts. */
  private static void write(
      HttpServerRequest request,
      HttpServerResponse response,
      LineBudget budget,
      byte[] chunk,
      AtomicBoolean done) {
    if (budget.left < 0) {
      response.write(Buffer.buffer(chunk));
      return;
    }
    int end = 0;
    while (end < chunk.length && budget.left > 0) {
      if (chunk[end++] == '\n') {
        budget.left--;
      }
    }
    if (budget.left > 0) {
      response.write(Buffer.buffer(chunk));
      return;
    }
    done.set(true);
    byte[] sent = java.util.Arrays.copyOf(chunk, end);
    response
        .write(Buffer.buffer(sent))
        .onComplete(written -> request.connection().close()); // no last chunk: a broken stream
  }

  private static void reply(HttpServerRequest request, Reply reply) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(reply.status());
    reply.headers().forEach(response::putHeader);
    response.putHeader("Content-Type", reply.contentType());
    response.end(Buffer.buffer(reply.body()));
  }

  private static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.trim();
    return value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : null;
  }

  static Map<String, String> parseQuery(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      params.putIfAbsent(key, value);
    }
    return params;
  }

  private static String decode(String value) {
    return URLDecoder.decode(value, StandardCharsets.UTF_8);
  }
}
