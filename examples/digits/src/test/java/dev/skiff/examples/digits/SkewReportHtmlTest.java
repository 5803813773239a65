package dev.skiff.examples.digits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.examples.digits.DigitsPipeline.Split;
import dev.skiff.sdk.Matrix;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SkewReportHtmlTest {

  private static String digitsHtml() {
    Split split = Fixtures.split();
    return SkewReportHtml.render(DigitsPipeline.compare(split.xTrain(), split.xTest()));
  }

  @Test
  void showsEveryFeatureWithBothHistograms() {
    String html = digitsHtml();

    assertThat(html).startsWith("<!DOCTYPE html>").contains("<table class=\"summary\">");
    for (String name : DigitsData.featureNames()) {
      assertThat(html).contains(">" + name + "</a>").contains(">" + name + " &middot;");
    }
    for (int i = 0; i < 64; i++) {
      assertThat(html).contains("id=\"feature-" + i + "\"").contains("href=\"#feature-" + i + "\"");
    }
    assertThat(count(html, "<section class=\"card")).isEqualTo(64);
    assertThat(count(html, "<svg ")).isEqualTo(128); // train and test side by side
    assertThat(count(html, "<tr class=\"notable\">") + count(html, "<tr><td class=\"name\">"))
        .isEqualTo(64);
    // The summary comes before the per-feature cards.
    assertThat(html.indexOf("<h2>Summary</h2>")).isLessThan(html.indexOf("<h2>Features</h2>"));
    // Pixel counts 0..16 give one bar per value: 17 bars per histogram at most.
    assertThat(html).contains("<title>value 16: ");
  }

  @Test
  void isSelfContained() {
    String html = digitsHtml();

    assertThat(html).doesNotContainIgnoringCase("http");
    assertThat(html).doesNotContainIgnoringCase("<script");
    assertThat(html).doesNotContainIgnoringCase("<link");
    assertThat(html).doesNotContainIgnoringCase("@import");
    assertThat(html).doesNotContainIgnoringCase("url(");
    assertThat(html).doesNotContainIgnoringCase(" src=");
    assertThat(html).doesNotContain("//");
    // Every link is an anchor within the page.
    Matcher href = Pattern.compile("href=\"([^\"]*)\"").matcher(html);
    while (href.find()) {
      assertThat(href.group(1)).startsWith("#feature-");
    }
  }

  @Test
  void escapesAllText() {
    Matrix ref = Matrix.of(new double[][] {{1, 2}, {2, 3}});
    Matrix cmp = Matrix.of(new double[][] {{1, 2}});
    String evil = "<img src=x onerror='alert(1)'>&\"";
    SkewReport report =
        SkewReport.compute("<b>train</b>", ref, "te\"st", cmp, List.of(evil, "ok & fine"));

    String html = SkewReportHtml.render(report);

    assertThat(html).doesNotContain("<img", "<b>", "onerror='", "te\"st");
    assertThat(html).contains("&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;&quot;");
    assertThat(html).contains("&lt;b&gt;train&lt;/b&gt;", "te&quot;st", "ok &amp; fine");
  }

  @Test
  void escapeCoversTheFiveSpecialCharacters() {
    assertThat(SkewReportHtml.escape("a<b>c&d\"e'f")).isEqualTo("a&lt;b&gt;c&amp;d&quot;e&#39;f");
    assertThat(SkewReportHtml.escape("pixel_0_0")).isEqualTo("pixel_0_0");
  }

  @Test
  void handlesColumnsWithoutValues() {
    double nan = Double.NaN;
    Matrix ref = Matrix.of(new double[][] {{nan}, {nan}});
    Matrix cmp = Matrix.of(new double[][] {{nan}});
    String html = SkewReportHtml.render(SkewReport.compute("a", ref, "b", cmp, List.of("empty")));
    assertThat(html).contains("no values", "n/a");
  }

  @Test
  void formatsNumbers() {
    assertThat(SkewReportHtml.number(3)).isEqualTo("3");
    assertThat(SkewReportHtml.number(-0.0)).isEqualTo("0");
    assertThat(SkewReportHtml.number(0.12345)).isEqualTo("0.123");
    assertThat(SkewReportHtml.number(Double.NaN)).isEqualTo("n/a");
    assertThat(SkewReportHtml.number(Double.POSITIVE_INFINITY)).isEqualTo("&infin;");
    assertThat(SkewReportHtml.number(1.5e-7)).isEqualTo("1.500e-07");
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
