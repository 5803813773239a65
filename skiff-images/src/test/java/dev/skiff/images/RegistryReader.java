package dev.skiff.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** Reads manifests and blobs back from a registry over the distribution HTTP API. */
final class RegistryReader {
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final String base;

  RegistryReader(String hostPort) {
    this.base = "http://" + hostPort + "/v2/";
  }

  /** The manifest of {@code name} at a tag or digest, with its digest. */
  Manifest manifest(String name, String reference) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + name + "/manifests/" + reference))
                .header("Accept", OCI_MANIFEST)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(
          "GET manifest " + name + ":" + reference + " -> " + r.statusCode() + " " + r.body());
    }
    return new Manifest(
        r.headers().firstValue("Docker-Content-Digest").orElseThrow(),
        r.headers().firstValue("Content-Type").orElse(""),
        json.readTree(r.body()));
  }

  JsonNode blobJson(String name, String digest) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + name + "/blobs/" + digest)).build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET blob " + digest + " -> " + r.statusCode());
    }
    return json.readTree(r.body());
  }

  record Manifest(String digest, String contentType, JsonNode body) {
    List<String> layerDigests() {
      List<String> out = new ArrayList<>();
      body.path("layers").forEach(l -> out.add(l.path("digest").asText()));
      return out;
    }

    String configDigest() {
      return body.path("config").path("digest").asText();
    }
  }
}
