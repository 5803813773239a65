package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JsonMaterializerTest {
  private final JsonMaterializer materializer = new JsonMaterializer();

  record Point(double x, double y) {}

  enum Size {
    SMALL,
    LARGE
  }

  record Cluster(
      String name,
      Point center,
      List<Point> members,
      double[] weights,
      int[][] grid,
      Map<String, Point> named,
      Size size,
      Instant createdAt,
      LocalDate day,
      Duration took) {}

  record Report(String title, Cluster cluster, List<Cluster> history) {}

  /** Components declared out of alphabetical order. */
  record Unordered(int zebra, int apple, int mango) {}

  /** A plain bean with a no-argument constructor, getters and setters. */
  public static class Bean {
    private String name;
    private int count;

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public int getCount() {
      return count;
    }

    public void setCount(int count) {
      this.count = count;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bean b && Objects.equals(b.name, name) && b.count == count;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, count);
    }
  }

  /** Gives the type argument of an anonymous subclass, e.g. {@code List<Point>}. */
  abstract static class TypeOf<T> {
    Type type() {
      return ((ParameterizedType) getClass().getGenericSuperclass()).getActualTypeArguments()[0];
    }
  }

  static Cluster cluster(String name) {
    Map<String, Point> named = new HashMap<>();
    named.put("origin", new Point(0, 0));
    named.put("unit", new Point(1, 1));
    return new Cluster(
        name,
        new Point(1.5, -2.25),
        List.of(new Point(1, 2), new Point(3, 4)),
        new double[] {0.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY},
        new int[][] {{1, 2}, {}, {3}},
        named,
        Size.LARGE,
        Instant.parse("2024-05-01T12:34:56.789Z"),
        LocalDate.of(2024, 5, 1),
        Duration.ofMillis(1500));
  }

  @Test
  void roundTripsNestedRecordsWithArrays() throws IOException {
    Report report = new Report("ünïcødé 中文 🚀", cluster("a"), List.of(cluster("b"), cluster("c")));
    Object back = Bytes.roundTrip(materializer, report, Report.class);
    assertThat(back)
        .isInstanceOf(Report.class)
        .usingRecursiveComparison()
        .withComparatorForType(Double::compare, Double.class) // NaN equals NaN
        .isEqualTo(report);
    assertThat(((Report) back).cluster().weights()[1]).isNaN();
  }

  @Test
  void roundTripsAListOfRecordsGivenAsParameterizedType() throws IOException {
    Type type = new TypeOf<List<Point>>() {}.type();
    List<Point> points = List.of(new Point(1, 2), new Point(Double.NaN, -0.0));
    Object back = Bytes.roundTrip(materializer, points, type);
    assertThat(back)
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .hasSize(2)
        .allSatisfy(p -> assertThat(p).isInstanceOf(Point.class))
        .isEqualTo(points);
  }

  @Test
  void roundTripsMapsBeansEnumsAndEmptyCollections() throws IOException {
    Type mapType = new TypeOf<Map<String, List<Point>>>() {}.type();
    Map<String, List<Point>> map = Map.of("a", List.of(new Point(1, 1)), "b", List.of());
    assertThat(Bytes.roundTrip(materializer, map, mapType)).isEqualTo(map);

    Bean bean = new Bean();
    bean.setName("x");
    bean.setCount(3);
    assertThat(Bytes.roundTrip(materializer, bean, Bean.class)).isEqualTo(bean);

    assertThat(Bytes.roundTrip(materializer, Size.SMALL, Size.class)).isEqualTo(Size.SMALL);
    Type emptyType = new TypeOf<List<String>>() {}.type();
    assertThat(Bytes.roundTrip(materializer, List.of(), emptyType)).isEqualTo(List.of());
  }

  @Test
  void writesPropertiesAndMapKeysInSortedOrder() throws IOException {
    assertThat(json(new Unordered(1, 2, 3), Unordered.class))
        .isEqualTo("{\"apple\":2,\"mango\":3,\"zebra\":1}");
    assertThat(json(new Point(1, 2), Point.class)).isEqualTo("{\"x\":1.0,\"y\":2.0}");

    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      keys.add("key" + i);
    }
    Map<String, Integer> forward = new LinkedHashMap<>();
    keys.forEach(k -> forward.put(k, k.length()));
    Collections.reverse(keys);
    Map<String, Integer> backward = new HashMap<>();
    keys.forEach(k -> backward.put(k, k.length()));
    Type type = new TypeOf<Map<String, Integer>>() {}.type();
    assertThat(Bytes.write(materializer, backward, type))
        .isEqualTo(Bytes.write(materializer, forward, type));
  }

  @Test
  void writesTimeAsIsoStringsAndSpecialDoublesAsStrings() throws IOException {
    String json = json(cluster("t"), Cluster.class);
    assertThat(json)
        .contains("\"createdAt\":\"2024-05-01T12:34:56.789Z\"")
        .contains("\"day\":\"2024-05-01\"")
        .contains("\"took\":\"PT1.5S\"")
        .contains("\"weights\":[0.5,\"NaN\",\"Infinity\",\"-Infinity\"]");
  }

  record Holder(Object value) {}

  @Test
  void neverWritesOrFollowsClassNamesByDefault() throws IOException {
    String json = json(new Holder(new Point(1, 2)), Holder.class);
    assertThat(json).isEqualTo("{\"value\":{\"x\":1.0,\"y\":2.0}}");
    Object back = Bytes.read(materializer, Holder.class, json.getBytes(StandardCharsets.UTF_8));
    assertThat(((Holder) back).value()).isInstanceOf(Map.class);
  }

  static final AtomicInteger GADGETS = new AtomicInteger();

  /** Stands for a class with side effects in its constructor that an attacker names. */
  public static class Gadget {
    public Gadget() {
      GADGETS.incrementAndGet();
    }
  }

  record Envelope(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object payload) {}

  @Test
  void refusesClassNameTypeIdsEvenWhenAnnotated() {
    String json = "{\"payload\":{\"@class\":\"" + Gadget.class.getName() + "\"}}";
    assertThatThrownBy(
            () -> Bytes.read(materializer, Envelope.class, json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("skiff.json/v1");
    assertThat(GADGETS).hasValue(0);
  }

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Circle.class, name = "circle"),
    @JsonSubTypes.Type(value = Square.class, name = "square")
  })
  sealed interface Shape permits Circle, Square {}

  record Circle(double radius) implements Shape {}

  record Square(double side) implements Shape {}

  @Test
  void stillSupportsDeclaredNamedSubtypes() throws IOException {
    Type type = new TypeOf<List<Shape>>() {}.type();
    List<Shape> shapes = List.of(new Circle(1), new Square(2));
    assertThat(Bytes.roundTrip(materializer, shapes, type)).isEqualTo(shapes);
  }

  @Test
  void rejectsEveryTruncation() throws IOException {
    Bytes.assertEveryTruncationFails(materializer, new Unordered(1, 2, 3), Unordered.class);
    Bytes.assertEveryTruncationFails(
        materializer, List.of(new Point(1, 2)), new TypeOf<List<Point>>() {}.type());
  }

  @Test
  void refusesCorruptInputWithAClearMessage() {
    for (String bad :
        new String[] {
          "", "{\"x\":1.0,", "{\"x\":1,\"y\":2} {}", "{\"x\":1,\"y\":2,\"z\":3}", "[1,2]", "\u0000"
        }) {
      assertThatThrownBy(
              () -> Bytes.read(materializer, Point.class, bad.getBytes(StandardCharsets.UTF_8)))
          .as("%s", bad)
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("cannot read skiff.json/v1 artifact as " + Point.class.getName());
    }
  }

  @Test
  void supportsClassesAndGenericTypesButNotUntypedOnes() {
    assertThat(materializer.supports(Point.class)).isTrue();
    assertThat(materializer.supports(new TypeOf<List<Point>>() {}.type())).isTrue();
    assertThat(materializer.supports(Object.class)).isFalse();
    assertThat(materializer.supports(Class.class)).isFalse();
    assertThat(materializer.supports(void.class)).isFalse();
    TypeVariable<?> variable = TypeOf.class.getTypeParameters()[0];
    assertThat(materializer.supports(variable)).isFalse();
    Type wildcard =
        ((ParameterizedType) new TypeOf<List<?>>() {}.type()).getActualTypeArguments()[0];
    assertThat(materializer.supports(wildcard)).isFalse();
  }

  private String json(Object value, Type type) throws IOException {
    return new String(Bytes.write(materializer, value, type), StandardCharsets.UTF_8);
  }
}
