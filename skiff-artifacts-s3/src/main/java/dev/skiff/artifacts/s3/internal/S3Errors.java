package dev.skiff.artifacts.s3.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * One-line messages for what the SDK throws. They name the bucket, the endpoint or region and the
 * fix; never a key or token (the SDK's own messages hold none either).
 */
public final class S3Errors {
  private S3Errors() {}

  /**
   * Why the server could not be reached at all, or null when it answered or the cause is another.
   */
  public static String unreachable(SdkException e) {
    if (!(e instanceof SdkClientException) && !(e instanceof ApiCallTimeoutException)) {
      return null;
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "unknown host"
            + (t.getMessage() == null
                ? ""
                : " " + firstLine(t.getMessage()).replaceFirst(":.*", ""));
      }
      if (t instanceof ConnectException) {
        return "connection refused";
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof SocketTimeoutException || t instanceof ApiCallTimeoutException) {
        return "timed out";
      }
    }
    return null;
  }

  /** Whether no credentials could be found in the AWS default chain. */
  public static boolean noCredentials(SdkException e) {
    return e instanceof SdkClientException
        && e.getMessage() != null
        && e.getMessage().contains("Unable to load credentials");
  }

  /** The HTTP status of a service error, or 0. */
  public static int status(SdkException e) {
    return e instanceof AwsServiceException s ? s.statusCode() : 0;
  }

  /** The S3 error code of a service error (e.g. {@code NoSuchKey}), or "". */
  public static String code(SdkException e) {
    if (e instanceof AwsServiceException s
        && s.awsErrorDetails() != null
        && s.awsErrorDetails().errorCode() != null) {
      return s.awsErrorDetails().errorCode();
    }
    return "";
  }

  /** Whether the error says the key (or bucket) is not there. */
  public static boolean notFound(SdkException e) {
    return status(e) == 404;
  }

  /**
   * An {@link IOException} for a failed operation: "cannot ACTION: REASON", REASON being the
   * status, code and first line of the server's message, or the connection problem.
   */
  public static IOException io(String action, SdkException e, String where) {
    if (e.getCause() instanceof InterruptedException
        || e.getCause() instanceof InterruptedIOException) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("interrupted while trying to " + action);
      interrupted.initCause(e);
      return interrupted;
    }
    return new IOException("cannot " + action + ": " + reason(e, where), e);
  }

  /**
   * A short reason: "HTTP 403 AccessDenied: Access Denied" or "connection refused by the S3
   * endpoint …".
   */
  public static String reason(SdkException e, String where) {
    String unreachable = unreachable(e);
    if (unreachable != null) {
      return unreachable + " (" + where + ")";
    }
    if (e instanceof AwsServiceException s) {
      String message = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorMessage();
      String code = code(e);
      return "HTTP "
          + s.statusCode()
          + (code.isEmpty() ? "" : " " + code)
          + (message == null || message.isBlank() ? "" : ": " + firstLine(message));
    }
    return firstLine(String.valueOf(e.getMessage()))
        .replaceAll("\\s*\\(SDK Attempt Count: \\d+\\)", "");
  }

  static String firstLine(String s) {
    return s.lines().findFirst().orElse("").trim();
  }
}
