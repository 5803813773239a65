package dev.skiff.artifacts.s3;

import dev.skiff.artifacts.s3.S3ArtifactStoreConfig.Checksums;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** Builds the S3 client a store configuration describes. Building needs no network. */
public final class S3Clients {
  /** Region when neither the configuration nor the AWS region chain names one. */
  public static final Region FALLBACK_REGION = Region.US_EAST_1;

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration SOCKET_TIMEOUT = Duration.ofMinutes(2);

  private S3Clients() {}

  /**
   * A client with the configuration's region, endpoint, addressing, credentials and transfer
   * settings, on the JDK's HTTP client ({@code HttpURLConnection}: streams request bodies of known
   * length, needs no extra jars).
   */
  public static S3Client create(S3ArtifactStoreConfig config) {
    return create(config, region(config));
  }

  /** As {@link #create(S3ArtifactStoreConfig)}, in a region resolved before. */
  public static S3Client create(S3ArtifactStoreConfig config, Region region) {
    var builder =
        S3Client.builder()
            .region(region)
            .credentialsProvider(credentials(config))
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .socketTimeout(SOCKET_TIMEOUT))
            .requestChecksumCalculation(
                config.checksums() == Checksums.WHEN_SUPPORTED
                    ? RequestChecksumCalculation.WHEN_SUPPORTED
                    : RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(
                config.checksums() == Checksums.WHEN_SUPPORTED
                    ? ResponseChecksumValidation.WHEN_SUPPORTED
                    : ResponseChecksumValidation.WHEN_REQUIRED)
            .serviceConfiguration(
                S3Configuration.builder()
                    .pathStyleAccessEnabled(config.pathStyle())
                    .chunkedEncodingEnabled(config.chunkedEncoding())
                    .build());
    if (config.endpoint() != null) {
      builder.endpointOverride(URI.create(config.endpoint()));
    }
    return builder.build();
  }

  /**
   * The configured region, else the AWS region chain, else {@link #FALLBACK_REGION}. With an
   * endpoint the chain skips instance metadata: off EC2 that lookup waits for timeouts, and
   * S3-compatible servers rarely care about the region.
   */
  public static Region region(S3ArtifactStoreConfig config) {
    if (config.region() != null) {
      return Region.of(config.region());
    }
    try {
      return config.endpoint() == null
          ? DefaultAwsRegionProviderChain.builder().build().getRegion()
          : new AwsRegionProviderChain(
                  new SystemSettingsRegionProvider(), new AwsProfileRegionProvider())
              .getRegion();
    } catch (SdkClientException e) {
      return FALLBACK_REGION;
    }
  }

  /**
   * The configured keys, else the AWS default chain (environment, profile, web identity, instance
   * metadata).
   */
  static AwsCredentialsProvider credentials(S3ArtifactStoreConfig config) {
    if (!config.hasKeys()) {
      return DefaultCredentialsProvider.builder().build();
    }
    return StaticCredentialsProvider.create(
        config.sessionToken() == null
            ? AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey())
            : AwsSessionCredentials.create(
                config.accessKeyId(), config.secretAccessKey(), config.sessionToken()));
  }

  /** Where requests go, for messages: the endpoint, or "AWS S3 in REGION". */
  public static String where(S3ArtifactStoreConfig config, Region region) {
    return config.endpoint() != null
        ? "the S3 endpoint " + config.endpoint()
        : "AWS S3 in " + region.id();
  }
}
