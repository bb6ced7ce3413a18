using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LogitNet.Cli.Serving;

/// <summary>Writes TensorFlow Serving's answers: predictions, model status and errors.</summary>
internal static class PredictResponse
{
    /// <summary>Past this many unsent bytes the answer goes out to the client, so a large batch is not held whole.</summary>
    private const int FlushBytes = 64 * 1024;

    /// <summary>
    /// <c>{"predictions": [...]}</c> (or <c>{"outputs": [...]}</c> for a columnar request), one nested array
    /// per row. Floats are written in their shortest round-trip form, so a client parsing them as float32
    /// gets the model's bits; non-finite values as <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>, as
    /// TF Serving writes them (not strict JSON; Python's json module reads them).
    /// </summary>
    public static async Task WriteAsync(HttpResponse response, Tensor output, bool columnar, CancellationToken cancellation)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        int[] shape = output.Shape;
        int rows = shape[0];
        int rowLength = rows == 0 ? 0 : output.Length / rows;
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray(columnar ? "outputs" : "predictions");
        for (int row = 0; row < rows; row++)
        {
            WriteSample(writer, output.AsSpan().Slice(row * rowLength, rowLength), shape, 1);
            if (writer.BytesPending >= FlushBytes)
            {
                await writer.FlushAsync(cancellation);
                await response.BodyWriter.FlushAsync(cancellation);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellation);
    }

    /// <summary>TF Serving's model status: one version, "1", available.</summary>
    public static async Task WriteStatusAsync(HttpResponse response, CancellationToken cancellation)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteStartArray("model_version_status");
        writer.WriteStartObject();
        writer.WriteString("version", "1");
        writer.WriteString("state", "AVAILABLE");
        writer.WriteStartObject("status");
        writer.WriteString("error_code", "OK");
        writer.WriteString("error_message", "");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellation);
    }

    /// <summary>
    /// TF Serving's model metadata: one signature, <c>serving_default</c>, with the input <c>input</c> and
    /// the output <c>output</c> (the names <c>ExportOnnx</c> uses), float32, batch dimension -1.
    /// </summary>
    public static async Task WriteMetadataAsync(HttpResponse response, string name, int[] sampleShape, int[] outputShape, CancellationToken cancellation)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteStartObject("model_spec");
        writer.WriteString("name", name);
        writer.WriteString("signature_name", "");
        writer.WriteString("version", "1");
        writer.WriteEndObject();
        writer.WriteStartObject("metadata");
        writer.WriteStartObject("signature_def");
        writer.WriteStartObject("signature_def");
        writer.WriteStartObject("serving_default");
        WriteTensorInfo(writer, "inputs", "input", sampleShape);
        WriteTensorInfo(writer, "outputs", "output", outputShape);
        writer.WriteString("method_name", "tensorflow/serving/predict");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellation);
    }

    /// <summary><c>{"error": "..."}</c> with the given status, as TF Serving answers a bad request.</summary>
    public static async Task WriteErrorAsync(HttpResponse response, int statusCode, string message, CancellationToken cancellation)
    {
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        // Quotes and apostrophes as they are, not \u0022: the message is read by people at a terminal.
        await using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteString("error", message);
        writer.WriteEndObject();
        await writer.FlushAsync(cancellation);
    }

    private static void WriteTensorInfo(Utf8JsonWriter writer, string group, string name, int[] sampleShape)
    {
        writer.WriteStartObject(group);
        writer.WriteStartObject(name);
        writer.WriteString("dtype", "DT_FLOAT");
        writer.WriteStartObject("tensor_shape");
        writer.WriteStartArray("dim");
        foreach (int size in (int[])[-1, .. sampleShape])
        {
            // TF Serving writes the sizes (int64 in the protobuf) as strings.
            writer.WriteStartObject();
            writer.WriteString("size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("name", "");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteBoolean("unknown_rank", false);
        writer.WriteEndObject();
        writer.WriteString("name", name);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteSample(Utf8JsonWriter writer, ReadOnlySpan<float> values, int[] shape, int axis)
    {
        if (axis == shape.Length)
        {
            WriteFloat(writer, values[0]);
            return;
        }

        writer.WriteStartArray();
        int step = values.Length / shape[axis];
        for (int i = 0; i < shape[axis]; i++)
        {
            if (axis == shape.Length - 1)
            {
                WriteFloat(writer, values[i]);
            }
            else
            {
                WriteSample(writer, values.Slice(i * step, step), shape, axis + 1);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteRawValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity", skipInputValidation: true);
        }
    }
}
