package dev.skiff.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.sdk.Materializer;
import dev.skiff.sdk.Matrix;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

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
    Materializers materializers = Materializers.load();
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
            assertThat(materializers.forType(type).id()).as(type.getTypeName()).isEqualTo(id));
    assertThat(materializers.find(Object.class)).isEmpty();
    assertThatThrownBy(() -> materializers.forType(Object.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no materializer supports java.lang.Object");
  }

  @Test
  void listsThePreferredFirstAndFindsById() {
    Materializers materializers = Materializers.load();
    assertThat(materializers.all().get(0).id()).isEqualTo("skiff.matrix/v1");
    assertThat(materializers.all().get(materializers.all().size() - 1).id())
        .isEqualTo("skiff.json/v1");
    assertThat(materializers.byId("skiff.string/v1")).containsInstanceOf(StringMaterializer.class);
    assertThat(materializers.byId("nope/v1")).isEmpty();
  }

  @Test
  void aHigherPriorityWinsAndAUserMaterializerWinsTies() {
    Materializer fancyMatrix = new Fake("acme.matrix/v1", Matrix.class, 200);
    Materializer pointsAtZero = new Fake("zzz.points/v1", Point.class, 0);
    Materializers materializers =
        Materializers.of(
            List.of(new JsonMaterializer(), new MatrixMaterializer(), fancyMatrix, pointsAtZero));
    assertThat(materializers.forType(Matrix.class)).isSameAs(fancyMatrix);
    assertThat(materializers.forType(Point.class)).isSameAs(pointsAtZero);
  }

  @Test
  void refusesDuplicateIds() {
    assertThatThrownBy(
            () ->
                Materializers.of(
                    List.of(new JsonMaterializer(), new Fake("skiff.json/v1", Point.class, 5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two materializers have the id skiff.json/v1");
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
