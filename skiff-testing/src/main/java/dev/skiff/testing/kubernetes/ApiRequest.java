package dev.skiff.testing.kubernetes;

import java.time.Instant;

/**
 * One request that reached the fake cluster's API address (the test's clients and the pods; the
 * fake cluster's own controllers talk to the API server directly and are not recorded).
 *
 * @param at when it arrived
 * @param method HTTP method
 * @param path URL path, without the query
 * @param query the query string ("" when none)
 * @param user who sent it: {@code system:serviceaccount:NS:NAME} for a pod's token, {@code admin}
 *     for the test clients, {@code anonymous} without a known bearer token
 * @param watch true for a watch (WebSocket upgrade or {@code watch=true})
 */
public record ApiRequest(
    Instant at, String method, String path, String query, String user, boolean watch) {

  /** {@code path?query}, or the path when there is no query. */
  public String uri() {
    return query.isEmpty() ? path : path + "?" + query;
  }

  @Override
  public String toString() {
    return method + " " + uri() + " (" + user + ")";
  }
}
