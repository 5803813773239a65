package dev.skiff.images;

import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/** One-line messages for Jib's failures. */
public final class JibErrors {
  private static final Pattern URL_HOST = Pattern.compile("https?://([^/\\s]+)");

  private JibErrors() {}

  /** Why pushing {@code target} failed, in one line. */
  public static String describe(Throwable error, String target) {
    String registry = registryOf(target);
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "cannot reach registry " + registry + ": unknown host " + firstLine(t.getMessage());
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "cannot reach registry " + registry + ": connection refused";
      }
    }
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RegistryUnauthorizedException u) {
        return "authentication failed for "
            + u.getImageReference()
            + ": check the registry's username and password (or your Docker credentials)";
      }
      if (t instanceof RegistryAuthenticationFailedException) {
        return "authentication failed at registry " + registry + ": " + firstLine(t.getMessage());
      }
      if (t.getClass().getSimpleName().equals("RegistryCredentialsNotSentException")) {
        return "registry "
            + registry
            + " asked for credentials, which are not sent over plain HTTP: use HTTPS or set --insecure=true with credentials";
      }
      if (t instanceof InsecureRegistryException) {
        Matcher m = URL_HOST.matcher(String.valueOf(t.getMessage()));
        return "registry "
            + (m.find() ? m.group(1) : registry)
            + " has no valid HTTPS: set --insecure=true to allow plain HTTP and untrusted certificates";
      }
      if (t instanceof UnknownHostException) {
        return "cannot reach registry " + registry + ": unknown host " + firstLine(t.getMessage());
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "cannot reach registry " + registry + ": connection refused";
      }
      if (t instanceof SocketTimeoutException) {
        return "cannot reach registry " + registry + ": timed out";
      }
      if (t instanceof SSLException) {
        return "cannot reach registry "
            + registry
            + " over HTTPS ("
            + firstLine(t.getMessage())
            + "); for a plain-HTTP registry set --insecure=true";
      }
    }
    if (error instanceof RegistryException) {
      return "registry " + registry + ": " + firstLine(error.getMessage());
    }
    return "cannot build image " + target + ": " + firstLine(String.valueOf(error.getMessage()));
  }

  private static String registryOf(String target) {
    int slash = target.indexOf('/');
    return slash < 0 ? target : target.substring(0, slash);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String line = s.strip();
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl).strip();
  }
}
