package dev.skiff.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A plain text table with aligned columns; cells may hold ANSI colors. */
public final class Table {
  private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) {
    this.headers = List.of(headers);
  }

  public Table row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(c == null ? "" : c.toString());
    }
    rows.add(r);
    return this;
  }

  public void print(PrintWriter out, Ansi ansi) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], visible(r.get(i)));
      }
    }
    StringBuilder h = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      h.append(pad(headers.get(i), widths[i], i == widths.length - 1));
    }
    out.println(ansi.bold(h.toString().stripTrailing()));
    for (List<String> r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        line.append(pad(r.get(i), widths[i], i == widths.length - 1));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  private static String pad(String s, int width, boolean last) {
    return last ? s : s + " ".repeat(width - visible(s) + 2);
  }

  private static int visible(String s) {
    return ANSI.matcher(s).replaceAll("").length();
  }
}
