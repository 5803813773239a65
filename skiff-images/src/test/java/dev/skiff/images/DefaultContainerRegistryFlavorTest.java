package dev.skiff.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.ConfigBinder;
import dev.skiff.core.stack.ConfigException;
import dev.skiff.core.stack.Flavor;
import dev.skiff.core.stack.Flavors;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DefaultContainerRegistryFlavorTest {
  @Test
  void isFoundByServiceLoader() {
    Flavor<?> flavor =
        Flavors.load(getClass().getClassLoader()).find(ComponentType.CONTAINER_REGISTRY, "default");
    assertThat(flavor).isInstanceOf(DefaultContainerRegistryFlavor.class);
    assertThat(flavor.configType()).isEqualTo(ContainerRegistryConfig.class);
    assertThat(flavor.description()).doesNotContain("\n");
  }

  @Test
  void bindsKeysAndResolvesThePasswordSecret() {
    ObjectNode json =
        ConfigBinder.bind(
            ContainerRegistryConfig.class,
            Map.of(
                "uri",
                "registry.example.com/team/",
                "insecure",
                "true",
                "username",
                "ci",
                "password",
                "{{secret.registry.password}}"),
            null,
            "container-registry flavor 'default'");
    assertThat(json.path("password").asText())
        .isEqualTo("{{secret.registry.password}}"); // stored verbatim
    ContainerRegistryConfig config =
        ConfigBinder.instantiate(
            ContainerRegistryConfig.class,
            json,
            ref -> ref.equals("registry.password") ? "s3cret" : "?",
            "container-registry flavor 'default'");
    assertThat(config.uri()).isEqualTo("registry.example.com/team");
    assertThat(config.isInsecure()).isTrue();
    assertThat(config.password()).isEqualTo("s3cret");
    assertThat(config.toString()).doesNotContain("s3cret");
    assertThat(new DefaultContainerRegistryFlavor().open(config).repository())
        .isEqualTo("registry.example.com/team/skiff");
  }

  @Test
  void insecureDefaultsToFalse() {
    ObjectNode json =
        ConfigBinder.bind(
            ContainerRegistryConfig.class, Map.of("uri", "localhost:5000"), null, "x");
    assertThat(
            ConfigBinder.instantiate(ContainerRegistryConfig.class, json, s -> s, "x").insecure())
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://registry.example.com/team",
        "registry.example.com/Team",
        "registry.example.com/team:latest",
        "registry.example.com/team@sha256:abc",
        "registry example.com",
        ""
      })
  void invalidUriIsAOneLineError(String uri) {
    ObjectNode json =
        ConfigBinder.bind(
            ContainerRegistryConfig.class,
            Map.of("uri", uri),
            null,
            "container-registry flavor 'default'");
    assertThatThrownBy(
            () ->
                ConfigBinder.instantiate(
                    ContainerRegistryConfig.class,
                    json,
                    s -> s,
                    "container-registry flavor 'default'"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid configuration for container-registry flavor 'default': ")
        .hasMessageContaining("uri")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void uriMessagesSayWhatToDo() {
    assertThatThrownBy(() -> ContainerRegistryConfig.of("http://localhost:5000", true))
        .hasMessage(
            "invalid registry uri 'http://localhost:5000': leave out the scheme (e.g. registry.example.com/team); for plain HTTP set --insecure=true");
    assertThatThrownBy(() -> ContainerRegistryConfig.of(null, false))
        .hasMessageStartingWith("uri is required");
  }

  @Test
  void usernameAndPasswordGoTogether() {
    assertThatThrownBy(() -> new ContainerRegistryConfig("localhost:5000", false, "ci", null, null))
        .hasMessageStartingWith("password is required with username");
    assertThatThrownBy(() -> new ContainerRegistryConfig("localhost:5000", false, null, "p", null))
        .hasMessage("username is required with password");
  }
}
