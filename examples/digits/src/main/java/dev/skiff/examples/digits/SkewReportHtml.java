package dev.skiff.examples.digits;

import dev.skiff.examples.digits.SkewReport.FeatureSkew;
import dev.skiff.examples.digits.SkewReport.FeatureStats;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link SkewReport} as one self-contained HTML page: inline CSS and inline SVG, no
 * scripts and no external resources, so it opens anywhere, offline. A summary table of every
 * feature sorted by mean shift comes first, then one card per feature with the two histograms side
 * by side. All text is HTML-escaped.
 */
public final class SkewReportHtml {
  /** |mean shift| from which a feature is highlighted: a "small" effect size (Cohen's d). */
  static final double NOTABLE_SHIFT = 0.2;

  private static final int CHART_WIDTH = 180;
  private static final int CHART_HEIGHT = 64;
  private static final int AXIS_HEIGHT = 14;

  private static final String CSS =
      """
      body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #1f2328; }
      h1 { font-size: 22px; margin: 0 0 4px; }
      h2 { font-size: 17px; margin: 28px 0 8px; }
      h3 { font-size: 14px; margin: 0 0 6px; font-family: ui-monospace, monospace; }
      p.meta { color: #57606a; margin: 0 0 8px; }
      .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: baseline; }
      .ref { background: #2f6fde; } .cmp { background: #e8743b; }
      table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
      th, td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #eaeef2; }
      th:first-child, td:first-child { text-align: left; }
      th { background: #f6f8fa; position: sticky; top: 0; }
      tr.notable td { background: #fff4e5; }
      td.name { font-family: ui-monospace, monospace; }
      a { color: #0969da; text-decoration: none; }
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 12px; }
      .card { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px; }
      .card.notable { border-color: #e8743b; }
      .hists { display: flex; gap: 12px; }
      figure { margin: 0; }
      figcaption { font-size: 12px; color: #57606a; }
      svg text { font: 10px ui-monospace, monospace; fill: #57606a; }
      rect.ref { fill: #2f6fde; } rect.cmp { fill: #e8743b; }
      table.stats { margin-top: 6px; font-size: 12px; }
      """;

  private SkewReportHtml() {}

  /** The whole page. */
  public static String render(SkewReport report) {
    String ref = escape(report.referenceName());
    String cmp = escape(report.comparisonName());
    StringBuilder out = new StringBuilder(256 * 1024);
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>Skew report: ")
        .append(ref)
        .append(" vs ")
        .append(cmp)
        .append("</title>\n")
        .append("<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n");
    out.append("<h1>Skew report: ").append(ref).append(" vs ").append(cmp).append("</h1>\n");
    out.append("<p class=\"meta\"><span class=\"swatch ref\"></span> ")
        .append(ref)
        .append(": ")
        .append(report.referenceRows())
        .append(" rows &nbsp; <span class=\"swatch cmp\"></span> ")
        .append(cmp)
        .append(": ")
        .append(report.comparisonRows())
        .append(" rows &nbsp; ")
        .append(report.features().size())
        .append(" features</p>\n");
    summary(out, report, ref, cmp);
    out.append("<h2>Features</h2>\n<div class=\"grid\">\n");
    for (FeatureSkew f : report.features()) {
      card(out, f, ref, cmp);
    }
    out.append("</div>\n</body>\n</html>\n");
    return out.toString();
  }

  private static void summary(StringBuilder out, SkewReport report, String ref, String cmp) {
    out.append("<h2>Summary</h2>\n<p class=\"meta\">Mean shift = (")
        .append(cmp)
        .append(" mean &minus; ")
        .append(ref)
        .append(" mean) / pooled standard deviation. Features with |shift| &ge; ")
        .append(number(NOTABLE_SHIFT))
        .append(" are highlighted. Largest shifts: ");
    if (report.largestShifts().isEmpty()) {
      out.append("none");
    }
    for (int i = 0; i < report.largestShifts().size(); i++) {
      FeatureSkew f = report.feature(report.largestShifts().get(i));
      out.append(i == 0 ? "" : ", ")
          .append(link(f))
          .append(" (")
          .append(number(f.meanShift()))
          .append(')');
    }
    out.append(
            ".</p>\n<table class=\"summary\">\n<thead><tr><th>Feature</th><th>Shift (&sigma;)</th>")
        .append("<th>Mean ")
        .append(ref)
        .append("</th><th>Mean ")
        .append(cmp)
        .append("</th>")
        .append("<th>Std ")
        .append(ref)
        .append("</th><th>Std ")
        .append(cmp)
        .append("</th>")
        .append("<th>Missing ")
        .append(ref)
        .append("</th><th>Missing ")
        .append(cmp)
        .append("</th>")
        .append("</tr></thead>\n<tbody>\n");
    List<FeatureSkew> sorted =
        report.features().stream().sorted(SkewReport.LARGEST_SHIFT_FIRST).toList();
    for (FeatureSkew f : sorted) {
      out.append(notable(f) ? "<tr class=\"notable\">" : "<tr>")
          .append("<td class=\"name\">")
          .append(link(f))
          .append("</td>")
          .append("<td>")
          .append(number(f.meanShift()))
          .append("</td>")
          .append("<td>")
          .append(number(f.reference().mean()))
          .append("</td>")
          .append("<td>")
          .append(number(f.comparison().mean()))
          .append("</td>")
          .append("<td>")
          .append(number(f.reference().std()))
          .append("</td>")
          .append("<td>")
          .append(number(f.comparison().std()))
          .append("</td>")
          .append("<td>")
          .append(f.reference().missing())
          .append("</td>")
          .append("<td>")
          .append(f.comparison().missing())
          .append("</td></tr>\n");
    }
    out.append("</tbody>\n</table>\n");
  }

  private static void card(StringBuilder out, FeatureSkew f, String ref, String cmp) {
    out.append("<section class=\"card")
        .append(notable(f) ? " notable" : "")
        .append("\" id=\"")
        .append(anchor(f))
        .append("\">\n<h3>")
        .append(escape(f.name()))
        .append(" &middot; shift ")
        .append(number(f.meanShift()))
        .append(" &sigma;</h3>\n<div class=\"hists\">\n");
    long[] refCounts = f.reference().histogram();
    long[] cmpCounts = f.comparison().histogram();
    double maxShare =
        Math.max(
            maxShare(refCounts, f.reference().count()),
            maxShare(cmpCounts, f.comparison().count()));
    figure(out, ref, "ref", f.binEdges(), refCounts, f.reference().count(), maxShare);
    figure(out, cmp, "cmp", f.binEdges(), cmpCounts, f.comparison().count(), maxShare);
    out.append("</div>\n<table class=\"stats\"><thead><tr><th></th><th>")
        .append(ref)
        .append("</th><th>")
        .append(cmp)
        .append("</th></tr></thead>\n<tbody>\n");
    FeatureStats a = f.reference();
    FeatureStats b = f.comparison();
    row(out, "count", Long.toString(a.count()), Long.toString(b.count()));
    row(out, "missing", Long.toString(a.missing()), Long.toString(b.missing()));
    row(out, "mean", number(a.mean()), number(b.mean()));
    row(out, "std", number(a.std()), number(b.std()));
    row(out, "min", number(a.min()), number(b.min()));
    row(out, "max", number(a.max()), number(b.max()));
    out.append("</tbody></table>\n</section>\n");
  }

  /**
   * One histogram as bars of each bin's share of the side's values, on a scale shared by both
   * sides.
   */
  private static void figure(
      StringBuilder out,
      String label,
      String cssClass,
      double[] edges,
      long[] counts,
      long total,
      double maxShare) {
    int h = CHART_HEIGHT + AXIS_HEIGHT;
    out.append("<figure><figcaption>")
        .append(label)
        .append("</figcaption>")
        .append("<svg width=\"")
        .append(CHART_WIDTH)
        .append("\" height=\"")
        .append(h)
        .append("\" viewBox=\"0 0 ")
        .append(CHART_WIDTH)
        .append(' ')
        .append(h)
        .append("\" role=\"img\" aria-label=\"histogram of ")
        .append(label)
        .append("\">");
    out.append("<line x1=\"0\" y1=\"")
        .append(CHART_HEIGHT)
        .append("\" x2=\"")
        .append(CHART_WIDTH)
        .append("\" y2=\"")
        .append(CHART_HEIGHT)
        .append("\" stroke=\"#afb8c1\"/>");
    int bins = counts.length;
    if (bins == 0) {
      out.append("<text x=\"4\" y=\"").append(CHART_HEIGHT / 2).append("\">no values</text>");
    }
    double width = bins == 0 ? 0 : (double) CHART_WIDTH / bins;
    for (int i = 0; i < bins; i++) {
      double share = total == 0 ? 0 : (double) counts[i] / total;
      double barHeight = maxShare == 0 ? 0 : CHART_HEIGHT * share / maxShare;
      out.append("<rect class=\"")
          .append(cssClass)
          .append("\" x=\"")
          .append(coordinate(i * width))
          .append("\" y=\"")
          .append(coordinate(CHART_HEIGHT - barHeight))
          .append("\" width=\"")
          .append(coordinate(Math.max(width - 1, 0.5)))
          .append("\" height=\"")
          .append(coordinate(barHeight))
          .append("\"><title>")
          .append(binLabel(edges, i))
          .append(": ")
          .append(counts[i])
          .append(" (")
          .append(String.format(Locale.ROOT, "%.1f", 100 * share))
          .append("%)</title></rect>");
    }
    if (bins > 0) {
      int y = CHART_HEIGHT + AXIS_HEIGHT - 3;
      boolean unitBins = unitBins(edges);
      out.append("<text x=\"0\" y=\"")
          .append(y)
          .append("\">")
          .append(number(edges[0]))
          .append("</text>");
      out.append("<text x=\"")
          .append(CHART_WIDTH)
          .append("\" y=\"")
          .append(y)
          .append("\" text-anchor=\"end\">")
          .append(number(unitBins ? edges[bins] - 1 : edges[bins]))
          .append("</text>");
    }
    out.append("</svg></figure>\n");
  }

  private static void row(StringBuilder out, String name, String a, String b) {
    out.append("<tr><td>")
        .append(name)
        .append("</td><td>")
        .append(a)
        .append("</td><td>")
        .append(b)
        .append("</td></tr>\n");
  }

  private static String binLabel(double[] edges, int i) {
    if (unitBins(edges)) {
      return "value " + number(edges[i]);
    }
    boolean last = i == edges.length - 2;
    return "[" + number(edges[i]) + ", " + number(edges[i + 1]) + (last ? "]" : ")");
  }

  /** Bins of width 1 starting at integers: each holds one integer value. */
  private static boolean unitBins(double[] edges) {
    for (int i = 0; i + 1 < edges.length; i++) {
      if (edges[i + 1] - edges[i] != 1 || edges[i] != Math.rint(edges[i])) {
        return false;
      }
    }
    return edges.length > 1;
  }

  private static double maxShare(long[] counts, long total) {
    long max = 0;
    for (long c : counts) {
      max = Math.max(max, c);
    }
    return total == 0 ? 0 : (double) max / total;
  }

  private static boolean notable(FeatureSkew f) {
    return Math.abs(f.meanShift()) >= NOTABLE_SHIFT;
  }

  private static String link(FeatureSkew f) {
    return "<a href=\"#" + anchor(f) + "\">" + escape(f.name()) + "</a>";
  }

  /** Element id of a feature's card: from its index, so any name is safe. */
  private static String anchor(FeatureSkew f) {
    return "feature-" + f.index();
  }

  private static String coordinate(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /**
   * A statistic for display: integers as such, others with 3 decimals (or 4 significant digits).
   */
  static String number(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "&infin;" : "&minus;&infin;";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    double abs = Math.abs(v);
    return abs >= 1e-3 && abs < 1e6
        ? String.format(Locale.ROOT, "%.3f", v)
        : String.format(Locale.ROOT, "%.4g", v);
  }

  /** Escapes text for HTML content and double- or single-quoted attribute values. */
  public static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
