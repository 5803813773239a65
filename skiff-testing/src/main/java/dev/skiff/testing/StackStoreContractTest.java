package dev.skiff.testing;

import static dev.skiff.core.stack.ComponentType.ARTIFACT_STORE;
import static dev.skiff.core.stack.ComponentType.CONTAINER_REGISTRY;
import static dev.skiff.core.stack.ComponentType.ORCHESTRATOR;
import static dev.skiff.testing.MetadataFixtures.T0;
import static dev.skiff.testing.MetadataFixtures.component;
import static dev.skiff.testing.MetadataFixtures.config;
import static dev.skiff.testing.MetadataFixtures.secret;
import static dev.skiff.testing.MetadataFixtures.stack;
import static dev.skiff.testing.MetadataFixtures.t;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.core.stack.ComponentRecord;
import dev.skiff.core.stack.ComponentType;
import dev.skiff.core.stack.SecretRecord;
import dev.skiff.core.stack.StackRecord;
import dev.skiff.core.stack.StackStore;
import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link StackStore} backend must have: components, stacks, secrets and project
 * settings. A backend's test extends this class and only says how to make an empty store. Test
 * methods are public so that a backend which cannot pass a case overrides it with
 * {@code @Test @Disabled("why")}.
 */
public abstract class StackStoreContractTest {

  protected StackStore store;

  /** A new, empty store; called before each test and closed after it if it is closeable. */
  protected abstract StackStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  // ---- components

  @Test
  public void savedComponentIsFoundWithAllFields() {
    ComponentRecord k8s =
        new ComponentRecord(
            ORCHESTRATOR,
            "k8s",
            "kubernetes",
            config().put("namespace", "skiff").put("context", "kind-skiff"),
            T0,
            t(30));

    store.saveComponent(k8s);

    assertThat(store.findComponent(ORCHESTRATOR, "k8s")).contains(k8s);
  }

  @Test
  public void nullUpdatedAtIsKept() {
    ComponentRecord local = component(ORCHESTRATOR, "local", "local");

    store.saveComponent(local);

    assertThat(store.findComponent(ORCHESTRATOR, "local").orElseThrow().updatedAt()).isNull();
  }

  @Test
  public void unknownComponentIsNotFound() {
    store.saveComponent(component(ORCHESTRATOR, "k8s", "kubernetes"));

    assertThat(store.findComponent(ORCHESTRATOR, "nope")).isEmpty();
    assertThat(store.findComponent(ARTIFACT_STORE, "k8s")).isEmpty();
  }

  @Test
  public void componentsOfDifferentTypesMayShareAName() {
    ComponentRecord orchestrator = component(ORCHESTRATOR, "default", "local");
    ComponentRecord artifacts = component(ARTIFACT_STORE, "default", "local");

    store.saveComponent(orchestrator);
    store.saveComponent(artifacts);

    assertThat(store.findComponent(ORCHESTRATOR, "default")).contains(orchestrator);
    assertThat(store.findComponent(ARTIFACT_STORE, "default")).contains(artifacts);
  }

  @Test
  public void savingAComponentAgainReplacesIt() {
    store.saveComponent(
        component(ARTIFACT_STORE, "bucket", "s3", config().put("bucket", "a").put("region", "x")));
    ComponentRecord replaced =
        new ComponentRecord(
            ARTIFACT_STORE, "bucket", "gcs", config().put("bucket", "b"), t(1), t(2));

    store.saveComponent(replaced);

    assertThat(store.findComponent(ARTIFACT_STORE, "bucket")).contains(replaced);
    assertThat(store.listComponents(ARTIFACT_STORE)).containsExactly(replaced);
  }

  @Test
  public void listComponentsIsSortedByTypeThenName() {
    // Saved out of order; names that locale-aware collation would sort differently.
    store.saveComponent(component(CONTAINER_REGISTRY, "hub", "docker"));
    store.saveComponent(component(ORCHESTRATOR, "a2", "local"));
    store.saveComponent(component(ARTIFACT_STORE, "b", "local"));
    store.saveComponent(component(ORCHESTRATOR, "a10", "local"));
    store.saveComponent(component(ARTIFACT_STORE, "a", "s3"));
    store.saveComponent(component(ORCHESTRATOR, "a-2", "kubernetes"));

    assertThat(keys(store.listComponents(null)))
        .containsExactly(
            "ORCHESTRATOR/a-2",
            "ORCHESTRATOR/a10",
            "ORCHESTRATOR/a2",
            "ARTIFACT_STORE/a",
            "ARTIFACT_STORE/b",
            "CONTAINER_REGISTRY/hub");
  }

  @Test
  public void listComponentsFiltersByType() {
    store.saveComponent(component(ORCHESTRATOR, "local", "local"));
    store.saveComponent(component(ORCHESTRATOR, "k8s", "kubernetes"));
    store.saveComponent(component(ARTIFACT_STORE, "local", "local"));

    assertThat(keys(store.listComponents(ORCHESTRATOR)))
        .containsExactly("ORCHESTRATOR/k8s", "ORCHESTRATOR/local");
    assertThat(keys(store.listComponents(ARTIFACT_STORE))).containsExactly("ARTIFACT_STORE/local");
    assertThat(store.listComponents(CONTAINER_REGISTRY)).isEmpty();
  }

  @Test
  public void everyComponentTypeIsStoredInComponentsAndStacks() {
    Map<ComponentType, String> all = new EnumMap<>(ComponentType.class);
    for (ComponentType type : ComponentType.values()) {
      store.saveComponent(component(type, "c", "f"));
      all.put(type, "c-" + type.cliName());
    }
    store.saveStack(stack("full", all));

    assertThat(store.listComponents(null))
        .extracting(ComponentRecord::type)
        .containsExactly(ComponentType.values());
    assertThat(store.findStack("full").orElseThrow().components()).isEqualTo(all);
  }

  @Test
  public void listComponentsOfAnEmptyStoreIsEmpty() {
    assertThat(store.listComponents(null)).isEmpty();
  }

  @Test
  public void deleteComponentReturnsWhetherItExisted() {
    store.saveComponent(component(ORCHESTRATOR, "shared", "local"));
    store.saveComponent(component(ARTIFACT_STORE, "shared", "local"));

    assertThat(store.deleteComponent(ORCHESTRATOR, "shared")).isTrue();
    assertThat(store.deleteComponent(ORCHESTRATOR, "shared")).isFalse();
    assertThat(store.deleteComponent(CONTAINER_REGISTRY, "shared")).isFalse();

    assertThat(store.findComponent(ORCHESTRATOR, "shared")).isEmpty();
    assertThat(store.findComponent(ARTIFACT_STORE, "shared")).isPresent();
    assertThat(keys(store.listComponents(null))).containsExactly("ARTIFACT_STORE/shared");
  }

  @Test
  public void configJsonRoundTripsExactly() {
    ObjectNode config = config();
    config.put("string", "text with \"quotes\", \\backslash\\, new\nline and ünïcødé ✓");
    config.put("int", 42);
    config.put("negative", -7);
    config.put("bigLong", 9_007_199_254_740_993L);
    config.put("double", 0.25);
    config.put("wholeDouble", 2.0);
    config.put("true", true);
    config.put("false", false);
    config.putNull("nothing");
    config.put("empty", "");
    config.put("secretRef", "{{secret.aws.key}}");
    config.put("embeddedRef", "user={{secret.db.user}};password={{secret.db.password}}");
    config.putObject("nested").put("a", 1).putObject("deeper").putArray("list").add("x").add(2);
    config.putArray("array").add(1).add("two").add(3.5).add(false).addNull();
    config.withArray("array").addObject().put("key", "{{secret.aws.key}}");
    config.putArray("emptyArray");
    config.putObject("emptyObject");
    ComponentRecord component = component(ORCHESTRATOR, "k8s", "kubernetes", config);

    store.saveComponent(component);

    ComponentRecord found = store.findComponent(ORCHESTRATOR, "k8s").orElseThrow();
    assertThat(found).isEqualTo(component);
    ObjectNode read = found.config();
    assertThat(read.get("secretRef").textValue()).isEqualTo("{{secret.aws.key}}");
    assertThat(read.get("embeddedRef").textValue())
        .isEqualTo("user={{secret.db.user}};password={{secret.db.password}}");
    assertThat(read.at("/nested/deeper/list/1").intValue()).isEqualTo(2);
    assertThat(read.at("/array/5/key").textValue()).isEqualTo("{{secret.aws.key}}");
    assertThat(read.get("bigLong").longValue()).isEqualTo(9_007_199_254_740_993L);
    assertThat(read.get("wholeDouble").isFloatingPointNumber()).isTrue();
    assertThat(read.get("true").isBoolean()).isTrue();
    assertThat(read.get("nothing").isNull()).isTrue();
    assertThat(read.fieldNames()).toIterable().containsExactlyElementsOf(fieldNames(config));
    assertThat(store.listComponents(ORCHESTRATOR)).containsExactly(component);
  }

  /** JSON carries numbers, not Java types: a value is kept, its node type may be narrowed. */
  @Test
  public void configNumbersKeepTheirValue() {
    ObjectNode config = config();
    config.put("smallLong", 30L);
    config.put("big", new BigInteger("123456789012345678901234567890"));
    config.put("float", 1.5f);
    store.saveComponent(component(ORCHESTRATOR, "k8s", "kubernetes", config));

    ObjectNode read = store.findComponent(ORCHESTRATOR, "k8s").orElseThrow().config();

    assertThat(read.get("smallLong").isIntegralNumber()).isTrue();
    assertThat(read.get("smallLong").longValue()).isEqualTo(30L);
    assertThat(read.get("big").bigIntegerValue())
        .isEqualTo(new BigInteger("123456789012345678901234567890"));
    assertThat(read.get("float").doubleValue()).isEqualTo(1.5);
  }

  @Test
  public void instantsKeepAtLeastMillisecondPrecision() {
    Instant precise = T0.plusNanos(123_456_789);
    store.saveComponent(
        new ComponentRecord(ORCHESTRATOR, "local", "local", config(), precise, precise));
    store.saveStack(new StackRecord("s", Map.of(), precise, precise));
    store.saveSecret(new SecretRecord("aws", Map.of(), precise, precise));

    ComponentRecord component = store.findComponent(ORCHESTRATOR, "local").orElseThrow();
    StackRecord stack = store.findStack("s").orElseThrow();
    SecretRecord secret = store.findSecret("aws").orElseThrow();

    Instant millis = precise.truncatedTo(ChronoUnit.MILLIS);
    for (Instant stored :
        List.of(
            component.createdAt(),
            component.updatedAt(),
            stack.createdAt(),
            stack.updatedAt(),
            secret.createdAt(),
            secret.updatedAt())) {
      assertThat(stored).isBetween(millis, precise);
    }
  }

  // ---- stacks

  @Test
  public void savedStackIsFoundWithItsComponents() {
    StackRecord stack =
        new StackRecord(
            "prod",
            Map.of(ORCHESTRATOR, "k8s", ARTIFACT_STORE, "bucket", CONTAINER_REGISTRY, "ecr"),
            T0,
            t(5));

    store.saveStack(stack);

    StackRecord found = store.findStack("prod").orElseThrow();
    assertThat(found).isEqualTo(stack);
    assertThat(found.component(CONTAINER_REGISTRY)).contains("ecr");
  }

  @Test
  public void stackWithoutComponentsRoundTrips() {
    StackRecord empty = stack("empty", Map.of());

    store.saveStack(empty);

    assertThat(store.findStack("empty")).contains(empty);
    assertThat(store.findStack("empty").orElseThrow().components()).isEmpty();
    assertThat(store.findStack("empty").orElseThrow().updatedAt()).isNull();
  }

  @Test
  public void unknownStackIsNotFound() {
    store.saveStack(stack("default", "local", "local"));

    assertThat(store.findStack("nope")).isEmpty();
  }

  @Test
  public void savingAStackAgainReplacesAllItsComponents() {
    store.saveStack(
        stack(
            "prod", Map.of(ORCHESTRATOR, "k8s", ARTIFACT_STORE, "s3", CONTAINER_REGISTRY, "ecr")));
    StackRecord replaced =
        new StackRecord("prod", Map.of(ORCHESTRATOR, "other", ARTIFACT_STORE, "s3"), T0, t(9));

    store.saveStack(replaced);

    assertThat(store.findStack("prod")).contains(replaced);
    assertThat(store.findStack("prod").orElseThrow().component(CONTAINER_REGISTRY)).isEmpty();
    assertThat(store.listStacks()).containsExactly(replaced);

    StackRecord emptied = stack("prod", Map.of());
    store.saveStack(emptied);
    assertThat(store.findStack("prod")).contains(emptied);
  }

  @Test
  public void listStacksIsSortedByNameWithEachStacksOwnComponents() {
    StackRecord b = stack("b", "k8s", "s3");
    StackRecord a10 = stack("a10", Map.of(ORCHESTRATOR, "local"));
    StackRecord a2 = stack("a2", Map.of());
    StackRecord aDash = stack("a-2", Map.of(ORCHESTRATOR, "x", CONTAINER_REGISTRY, "hub"));
    for (StackRecord stack : List.of(b, a10, a2, aDash)) {
      store.saveStack(stack);
    }

    assertThat(store.listStacks()).containsExactly(aDash, a10, a2, b);
  }

  @Test
  public void listStacksOfAnEmptyStoreIsEmpty() {
    assertThat(store.listStacks()).isEmpty();
  }

  @Test
  public void deleteStackReturnsWhetherItExistedAndRemovesItsComponentEntries() {
    store.saveStack(stack("prod", "k8s", "s3"));
    store.saveStack(stack("dev", "local", "local"));

    assertThat(store.deleteStack("prod")).isTrue();
    assertThat(store.deleteStack("prod")).isFalse();
    assertThat(store.deleteStack("never")).isFalse();

    assertThat(store.findStack("prod")).isEmpty();
    assertThat(store.listStacks()).containsExactly(stack("dev", "local", "local"));
    // A new stack of the same name starts without the old one's components.
    store.saveStack(stack("prod", Map.of()));
    assertThat(store.findStack("prod").orElseThrow().components()).isEmpty();
  }

  /** Plain storage: rules about references live above the store ({@code Stacks}). */
  @Test
  public void storeDoesNotCheckReferencesBetweenStacksAndComponents() {
    store.saveComponent(component(ORCHESTRATOR, "k8s", "kubernetes"));
    store.saveStack(stack("prod", "k8s", "not-registered"));

    assertThat(store.deleteComponent(ORCHESTRATOR, "k8s")).isTrue();
    assertThat(store.findStack("prod")).contains(stack("prod", "k8s", "not-registered"));
  }

  @Test
  public void stacksAndComponentsAreIndependentNamespaces() {
    store.saveStack(stack("local", "local", "local"));
    store.saveComponent(component(ORCHESTRATOR, "local", "local"));

    assertThat(store.deleteStack("local")).isTrue();
    assertThat(store.findComponent(ORCHESTRATOR, "local")).isPresent();
  }

  @Test
  public void concurrentSavesOfAStackAreNeverSeenHalfDone() throws Exception {
    StackRecord one =
        stack("shared", Map.of(ORCHESTRATOR, "o1", ARTIFACT_STORE, "a1", CONTAINER_REGISTRY, "c1"));
    StackRecord two = stack("shared", Map.of(ORCHESTRATOR, "o2", ARTIFACT_STORE, "a2"));
    store.saveStack(one);
    AtomicBoolean writing = new AtomicBoolean(true);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (StackRecord version : List.of(one, two)) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 200; i++) {
                    store.saveStack(version);
                  }
                  return null;
                }));
      }
      Future<List<StackRecord>> reader =
          pool.submit(
              () -> {
                start.await();
                List<StackRecord> seen = new ArrayList<>();
                while (writing.get()) {
                  seen.add(store.findStack("shared").orElseThrow());
                }
                return seen;
              });
      start.countDown();
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      assertThat(reader.get(60, TimeUnit.SECONDS)).allSatisfy(s -> assertThat(s).isIn(one, two));
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.findStack("shared").orElseThrow()).isIn(one, two);
  }

  // ---- secrets

  @Test
  public void savedSecretIsFoundWithEncryptedValuesUnchanged() {
    Map<String, String> values =
        Map.of(
            "key", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQ+/8=",
            "secret.access_key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj/+==",
            "ünïcødé", "\"quoted\" \\ {{secret.x.y}}",
            "empty", "");
    SecretRecord secret = new SecretRecord("aws", values, T0, t(3));

    store.saveSecret(secret);

    SecretRecord found = store.findSecret("aws").orElseThrow();
    assertThat(found).isEqualTo(secret);
    assertThat(found.encryptedValues()).containsExactlyInAnyOrderEntriesOf(values);
  }

  @Test
  public void secretWithoutValuesRoundTrips() {
    SecretRecord empty = secret("empty", Map.of());

    store.saveSecret(empty);

    assertThat(store.findSecret("empty")).contains(empty);
    assertThat(store.findSecret("empty").orElseThrow().updatedAt()).isNull();
  }

  @Test
  public void unknownSecretIsNotFound() {
    store.saveSecret(secret("aws", Map.of("key", "c2VjcmV0")));

    assertThat(store.findSecret("gcp")).isEmpty();
  }

  @Test
  public void savingASecretAgainReplacesAllItsValues() {
    store.saveSecret(secret("aws", Map.of("key", "b2xk", "region", "ZXU=")));
    SecretRecord replaced = new SecretRecord("aws", Map.of("key", "bmV3"), T0, t(1));

    store.saveSecret(replaced);

    assertThat(store.findSecret("aws")).contains(replaced);
    assertThat(store.listSecrets()).containsExactly(replaced);
  }

  @Test
  public void listSecretsIsSortedByName() {
    SecretRecord gcp = secret("gcp", Map.of("json", "e30="));
    SecretRecord aws = secret("aws", Map.of("key", "a2V5"));
    SecretRecord awsDash = secret("aws-2", Map.of());
    store.saveSecret(gcp);
    store.saveSecret(aws);
    store.saveSecret(awsDash);

    assertThat(store.listSecrets()).containsExactly(aws, awsDash, gcp);
  }

  @Test
  public void deleteSecretReturnsWhetherItExisted() {
    store.saveSecret(secret("aws", Map.of("key", "a2V5")));
    store.saveSecret(secret("gcp", Map.of()));

    assertThat(store.deleteSecret("aws")).isTrue();
    assertThat(store.deleteSecret("aws")).isFalse();
    assertThat(store.deleteSecret("never")).isFalse();

    assertThat(store.findSecret("aws")).isEmpty();
    assertThat(store.listSecrets()).extracting(SecretRecord::name).containsExactly("gcp");
  }

  // ---- settings

  @Test
  public void unknownSettingIsEmpty() {
    assertThat(store.getSetting("active_stack")).isEmpty();
  }

  @Test
  public void putSettingThenGetIt() {
    store.putSetting("active_stack", "prod");
    store.putSetting("other", "");

    assertThat(store.getSetting("active_stack")).contains("prod");
    assertThat(store.getSetting("other")).contains("");
  }

  @Test
  public void puttingASettingAgainOverwritesIt() {
    store.putSetting("active_stack", "default");
    store.putSetting("unrelated", "kept");

    store.putSetting("active_stack", "prod");

    assertThat(store.getSetting("active_stack")).contains("prod");
    assertThat(store.getSetting("unrelated")).contains("kept");
  }

  @Test
  public void settingsAreSeparateFromStacks() {
    store.putSetting("active_stack", "prod");

    assertThat(store.findStack("prod")).isEmpty();
    assertThat(store.listStacks()).isEmpty();
  }

  // ---- helpers

  private static List<String> keys(List<ComponentRecord> components) {
    return components.stream().map(c -> c.type().name() + "/" + c.name()).toList();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  public void settingsByPrefixAreSortedAndEscapeWildcards() {
    store.putSetting("schedule/digits/nightly", "a");
    store.putSetting("schedule/digits/hourly", "b");
    store.putSetting("schedule/other/x", "c");
    store.putSetting("schedule%_x", "d");
    store.putSetting("active_stack", "default");

    assertThat(store.settings("schedule/digits/"))
        .containsExactly(
            java.util.Map.entry("schedule/digits/hourly", "b"),
            java.util.Map.entry("schedule/digits/nightly", "a"));
    assertThat(store.settings("schedule%")).containsOnlyKeys("schedule%_x");
    assertThat(store.settings("none/")).isEmpty();
  }
}
