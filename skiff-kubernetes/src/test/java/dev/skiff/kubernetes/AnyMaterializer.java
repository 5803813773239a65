package dev.skiff.kubernetes;

import dev.skiff.sdk.Materializer;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Type;

/** Accepts every type: these tests compile plans but never store outputs. */
enum AnyMaterializer implements Materializer {
  INSTANCE;

  @Override
  public String id() {
    return "test.any/v1";
  }

  @Override
  public boolean supports(Type type) {
    return true;
  }

  @Override
  public void write(Object value, Type type, OutputStream out) {
    throw new UnsupportedOperationException("not in these tests");
  }

  @Override
  public Object read(Type type, InputStream in) {
    throw new UnsupportedOperationException("not in these tests");
  }
}
