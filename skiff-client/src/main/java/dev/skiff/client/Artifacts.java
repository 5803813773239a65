package dev.skiff.client;

import dev.skiff.client.internal.ArtifactStores;
import dev.skiff.core.internal.Types;
import dev.skiff.core.spi.ArtifactReader;
import dev.skiff.core.spi.ArtifactRecord;
import dev.skiff.core.spi.ArtifactStore;
import dev.skiff.core.spi.Materializers;
import dev.skiff.core.spi.MetadataStore;
import dev.skiff.core.spi.RunRecord;
import dev.skiff.sdk.Materializer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.Map;

/** Reads artifacts through their materializer, checked against their content hash. */
final class Artifacts {
  private final MetadataStore store;
  private final ArtifactStores stores;
  private final Map<ClassLoader, Materializers> materializers = new HashMap<>();

  Artifacts(MetadataStore store, ArtifactStores stores) {
    this.store = store;
    this.stores = stores;
  }

  /** The value of {@code a} as {@code type}, read with the materializer that wrote it. */
  Object read(ArtifactRecord a, Type type) {
    checkType(a, type);
    Materializer m = materializers(type).byId(a.materializer());
    try (InputStream in = open(a)) {
      Object value;
      try {
        value = m.read(type, in);
      } catch (IOException | RuntimeException readFailure) {
        drain(in, readFailure);
        throw readFailure;
      }
      return value;
    } catch (SkiffClientException e) {
      throw e;
    } catch (ArtifactReader.CorruptArtifactException e) {
      throw new SkiffClientException(e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new SkiffClientException(
          "cannot read " + ArtifactReader.describe(a) + " as " + type.getTypeName() + ": " + e, e);
    }
  }

  /** The bytes of {@code a}, checked. */
  byte[] bytes(ArtifactRecord a) {
    try (InputStream in = open(a)) {
      return in.readAllBytes();
    } catch (SkiffClientException e) {
      throw e;
    } catch (ArtifactReader.CorruptArtifactException e) {
      throw new SkiffClientException(e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new SkiffClientException(
          "cannot read " + ArtifactReader.describe(a) + ": " + e.getMessage(), e);
    }
  }

  private InputStream open(ArtifactRecord a) throws IOException {
    // a cached step's outputs were written by an earlier run, maybe on another stack
    RunRecord producer =
        store
            .findRun(a.runId())
            .orElseThrow(
                () ->
                    new SkiffClientException(
                        "run "
                            + a.runId()
                            + " that wrote "
                            + ArtifactReader.describe(a)
                            + " is no longer recorded"));
    ArtifactStore artifacts = stores.of(producer, a.path());
    return ArtifactReader.open(artifacts, a);
  }

  /** Verifies the rest of a stream whose reader failed: damage found there is what to report. */
  private static void drain(InputStream in, Exception readFailure)
      throws ArtifactReader.CorruptArtifactException {
    try {
      in.close();
    } catch (ArtifactReader.CorruptArtifactException corrupt) {
      corrupt.addSuppressed(readFailure);
      throw corrupt;
    } catch (IOException other) {
      readFailure.addSuppressed(other);
    }
  }

  /** A data output stored as one Java type is not read as an unrelated one. */
  private static void checkType(ArtifactRecord a, Type type) {
    if (a.type() == null || a.kind() != ArtifactRecord.Kind.DATA) {
      return;
    }
    String stored = a.type();
    int generic = stored.indexOf('<');
    String storedRaw = generic < 0 ? stored : stored.substring(0, generic);
    Class<?> wanted = Types.boxed(Types.raw(type));
    Class<?> actual = load(storedRaw, wanted.getClassLoader());
    if (actual != null && !wanted.isAssignableFrom(Types.boxed(actual))) {
      throw new SkiffClientException(
          "output '"
              + a.name()
              + "' of step '"
              + a.step()
              + "' in run "
              + a.runId()
              + " is a "
              + stored
              + ", not a "
              + type.getTypeName()
              + ": ask for it as "
              + storedRaw.substring(storedRaw.lastIndexOf('.') + 1)
              + ".class");
    }
  }

  private static Class<?> load(String name, ClassLoader preferred) {
    switch (name) {
      case "boolean":
        return boolean.class;
      case "int":
        return int.class;
      case "long":
        return long.class;
      case "double":
        return double.class;
      case "float":
        return float.class;
      case "short":
        return short.class;
      case "byte":
        return byte.class;
      case "char":
        return char.class;
      default:
        break;
    }
    for (ClassLoader loader :
        new ClassLoader[] {
          preferred,
          Thread.currentThread().getContextClassLoader(),
          Artifacts.class.getClassLoader()
        }) {
      try {
        return Class.forName(arrayName(name), false, loader);
      } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
        // next loader
      }
    }
    return null; // unknown here: the materializer decides
  }

  /** {@code int[]} to {@code [I}, {@code a.B[]} to {@code [La.B;}; other names as they are. */
  private static String arrayName(String name) {
    if (!name.endsWith("[]")) {
      return name;
    }
    String element = name.substring(0, name.length() - 2);
    String inner =
        switch (element) {
          case "int" -> "I";
          case "long" -> "J";
          case "double" -> "D";
          case "float" -> "F";
          case "boolean" -> "Z";
          case "byte" -> "B";
          case "short" -> "S";
          case "char" -> "C";
          default -> element.endsWith("[]") ? arrayName(element) : "L" + element + ";";
        };
    return "[" + inner;
  }

  private synchronized Materializers materializers(Type type) {
    ClassLoader loader = Types.raw(type).getClassLoader();
    if (loader == null) {
      loader = Thread.currentThread().getContextClassLoader();
    }
    if (loader == null) {
      loader = Artifacts.class.getClassLoader();
    }
    return materializers.computeIfAbsent(loader, Materializers::load);
  }
}
