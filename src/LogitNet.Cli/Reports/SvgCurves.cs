using System.Globalization;
using System.Text;

namespace LogitNet.Cli.Reports;

/// <summary>
/// Writes training curves as a standalone SVG: one panel for the loss and one for the accuracy,
/// training as a solid line and validation dashed, epochs on the x axis.
/// </summary>
internal static class SvgCurves
{
    private const double PanelWidth = 420, PanelHeight = 300, Left = 60, Right = 20, Top = 40, Bottom = 45;
    private const string TrainColor = "#1f77b4", ValidationColor = "#ff7f0e";

    /// <summary>A named series per panel: (panel title, training values, validation values or null).</summary>
    public static string Render(string title, IReadOnlyList<(string Panel, IReadOnlyList<float> Train, IReadOnlyList<float>? Validation)> panels)
    {
        double width = PanelWidth * panels.Count;
        double height = PanelHeight + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        for (int p = 0; p < panels.Count; p++)
        {
            Panel(svg, p * PanelWidth, 30, panels[p].Panel, panels[p].Train, panels[p].Validation);
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, double x0, double y0, string name, IReadOnlyList<float> train, IReadOnlyList<float>? validation)
    {
        double plotLeft = x0 + Left, plotTop = y0 + Top, plotWidth = PanelWidth - Left - Right, plotHeight = PanelHeight - Top - Bottom;
        IEnumerable<float> all = validation is null ? train : train.Concat(validation);
        float[] finite = all.Where(float.IsFinite).ToArray();
        double min = finite.Length == 0 ? 0 : finite.Min(), max = finite.Length == 0 ? 1 : finite.Max();
        if (name.Contains("accuracy", StringComparison.Ordinal))
        {
            max = Math.Min(1, Math.Max(max, min + 1e-3));
        }

        if (max - min < 1e-9)
        {
            (min, max) = (min - 0.5, max + 0.5);
        }

        double pad = (max - min) * 0.05;
        (min, max) = (min - pad, max + pad);
        int epochs = Math.Max(train.Count, validation?.Count ?? 0);
        double X(int epoch) => plotLeft + (epochs <= 1 ? plotWidth / 2 : plotWidth * epoch / (epochs - 1));
        double Y(double value) => plotTop + plotHeight * (1 - (value - min) / (max - min));

        svg.Append(CultureInfo.InvariantCulture, $"<g>\n<text x=\"{x0 + PanelWidth / 2}\" y=\"{y0 + 22}\" text-anchor=\"middle\" font-size=\"13\">{Escape(name)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{plotLeft}\" y=\"{plotTop}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#999\"/>\n");
        for (int i = 0; i <= 4; i++)
        {
            double value = min + (max - min) * i / 4;
            double y = Y(value);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{plotLeft}\" y1=\"{y:0.##}\" x2=\"{plotLeft + plotWidth}\" y2=\"{y:0.##}\" stroke=\"#eee\"/>" +
                $"<text x=\"{plotLeft - 6}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{value:0.###}</text>\n");
        }

        int step = Math.Max(1, (int)Math.Ceiling(epochs / 8.0));
        for (int e = 0; e < epochs; e += step)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{X(e):0.##}\" y=\"{plotTop + plotHeight + 16}\" text-anchor=\"middle\">{e + 1}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{plotLeft + plotWidth / 2}\" y=\"{plotTop + plotHeight + 34}\" text-anchor=\"middle\">epoch</text>\n");
        Line(svg, train, X, Y, TrainColor, dashed: false);
        if (validation is not null)
        {
            Line(svg, validation, X, Y, ValidationColor, dashed: true);
        }

        double legendX = plotLeft + plotWidth - 110, legendY = plotTop + 8;
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{legendX}\" y=\"{legendY}\" width=\"104\" height=\"{(validation is null ? 22 : 40)}\" fill=\"white\" stroke=\"#ccc\"/>\n" +
            $"<line x1=\"{legendX + 6}\" y1=\"{legendY + 12}\" x2=\"{legendX + 30}\" y2=\"{legendY + 12}\" stroke=\"{TrainColor}\" stroke-width=\"2\"/>" +
            $"<text x=\"{legendX + 36}\" y=\"{legendY + 16}\">train</text>\n");
        if (validation is not null)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{legendX + 6}\" y1=\"{legendY + 30}\" x2=\"{legendX + 30}\" y2=\"{legendY + 30}\" stroke=\"{ValidationColor}\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>" +
                $"<text x=\"{legendX + 36}\" y=\"{legendY + 34}\">validation</text>\n");
        }

        svg.Append("</g>\n");
    }

    private static void Line(StringBuilder svg, IReadOnlyList<float> values, Func<int, double> x, Func<double, double> y, string color, bool dashed)
    {
        var points = new StringBuilder();
        for (int e = 0; e < values.Count; e++)
        {
            if (float.IsFinite(values[e]))
            {
                points.Append(CultureInfo.InvariantCulture, $"{x(e):0.##},{y(values[e]):0.##} ");
            }
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"6 3\"" : "")} points=\"{points.ToString().TrimEnd()}\"/>\n");
    }

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
