package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.core.spi.Materializers;
import dev.skiff.sdk.Materializer;
import dev.skiff.sdk.Matrix;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The built-ins as core's {@link Materializers} finds and picks them. */
class MaterializersTest {
  record Point(double x, double y) {}

  static List<Point> listOfPoints;

  @Test
  void serviceLoaderFindsEveryBuiltIn() {
    List<String> ids =
        ServiceLoader.load(Materializer.class).stream()
            .map(provider -> provider.get().id())
            .toList();
    assertThat(ids)
        .containsExactlyInAnyOrder(
            "skiff.matrix/v1",
            "skiff.array/v1",
            "skiff.primitive/v1",
            "skiff.string/v1",
            "skiff.json/v1");
  }

  @Test
  void picksTheMostSpecificBuiltInPerType() throws NoSuchFieldException {
    Materializers materializers = Materializers.load(MaterializersTest.class.getClassLoader());
    Type listOfPointsType =
        MaterializersTest.class.getDeclaredField("listOfPoints").getGenericType();
    assertThat(listOfPointsType).isInstanceOf(ParameterizedType.class);

    Map<Type, String> expected =
        Map.ofEntries(
            Map.entry(Matrix.class, "skiff.matrix/v1"),
            Map.entry(double[][].class, "skiff.array/v1"),
            Map.entry(double[].class, "skiff.array/v1"),
            Map.entry(int[].class, "skiff.array/v1"),
            Map.entry(long[].class, "skiff.array/v1"),
            Map.entry(float[].class, "skiff.array/v1"),
            Map.entry(boolean[].class, "skiff.array/v1"),
            Map.entry(byte[].class, "skiff.array/v1"),
            Map.entry(int.class, "skiff.primitive/v1"),
            Map.entry(Integer.class, "skiff.primitive/v1"),
            Map.entry(double.class, "skiff.primitive/v1"),
            Map.entry(Boolean.class, "skiff.primitive/v1"),
            Map.entry(char.class, "skiff.primitive/v1"),
            Map.entry(String.class, "skiff.string/v1"),
            Map.entry(Point.class, "skiff.json/v1"),
            Map.entry(listOfPointsType, "skiff.json/v1"),
            Map.entry(String[].class, "skiff.json/v1"),
            Map.entry(int[][].class, "skiff.json/v1"));
    expected.forEach(
        (type, id) ->
            assertThat(materializers.forType(type))
                .as(type.getTypeName())
                .get()
                .extracting(Materializer::id)
                .isEqualTo(id));
    assertThat(materializers.forType(Object.class)).isEmpty();
  }

  @Test
  void listsThePreferredFirstAndFindsById() {
    Materializers materializers = Materializers.load(MaterializersTest.class.getClassLoader());
    assertThat(materializers.all().get(0).id()).isEqualTo("skiff.matrix/v1");
    assertThat(materializers.all().get(materializers.all().size() - 1).id())
        .isEqualTo("skiff.json/v1");
    assertThat(materializers.byId("skiff.string/v1")).isInstanceOf(StringMaterializer.class);
  }

  @Test
  void aHigherPriorityMaterializerOverridesABuiltIn() {
    Materializer fancyMatrix = new Fake("acme.matrix/v1", Matrix.class, 200);
    Materializer points = new Fake("acme.points/v1", Point.class, 1);
    List<Materializer> all = new ArrayList<>();
    Materializers.load(MaterializersTest.class.getClassLoader()).all().forEach(all::add);
    all.add(fancyMatrix);
    all.add(points);
    Materializers materializers = Materializers.of(all);
    assertThat(materializers.forType(Matrix.class)).containsSame(fancyMatrix);
    assertThat(materializers.forType(Point.class)).containsSame(points);
    assertThat(materializers.forType(double[].class).get().id()).isEqualTo("skiff.array/v1");
  }

  private record Fake(String id, Type type, int priority) implements Materializer {
    @Override
    public boolean supports(Type t) {
      return t.equals(type);
    }

    @Override
    public void write(Object value, Type t, OutputStream out) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object read(Type t, InputStream in) {
      throw new UnsupportedOperationException();
    }
  }
}
