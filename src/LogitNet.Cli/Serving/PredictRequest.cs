using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LogitNet.Cli.Serving;

/// <summary>
/// A TensorFlow Serving predict request read into a batch: <c>{"instances": [...]}</c> (the row form, each instance an array or
/// an object naming the one input, <c>{"input": [...]}</c>) or
/// <c>{"inputs": [...]}</c> / <c>{"inputs": {"NAME": [...]}}</c> (the columnar form, one input).
/// </summary>
/// <param name="Input">The batch, <c>[rows, ...the model's sample shape]</c>.</param>
/// <param name="Columnar">The request used <c>inputs</c>, so the answer is <c>{"outputs": ...}</c> as TF Serving gives it.</param>
internal sealed record PredictRequest(Tensor Input, bool Columnar)
{
    private const string Example = "{\"instances\": [[...], ...]}";

    /// <summary>
    /// Reads the body in one pass of a <see cref="Utf8JsonReader"/>, numbers going straight into the
    /// batch (no document tree), nesting bounded by the sample's rank.
    /// </summary>
    /// <exception cref="RequestException">400, naming what is wrong and where.</exception>
    public static PredictRequest Read(ReadOnlySequence<byte> body, int[] sampleShape)
    {
        if (IsBlank(body))
        {
            throw Bad($"the request body is empty; send JSON such as {Example}");
        }

        // A UTF-8 byte-order mark, which some clients write before JSON, is not JSON to the reader.
        if (body.Length >= 3 && body.FirstSpan.Length >= 3 && body.FirstSpan[..3].SequenceEqual("\uFEFF"u8))
        {
            body = body.Slice(3);
        }

        int sampleLength = 1;
        foreach (int size in sampleShape)
        {
            sampleLength *= size;
        }

        // n numbers take at least 2n - 1 bytes, so body / 2 + 1 bounds what the body can hold; start small
        // and double, so a request does not rent for the largest body it could be.
        var values = new Values(ArrayPool<float>.Shared.Rent((int)Math.Min(body.Length / 2 + 1, Values.InitialLength)));
        try
        {
            // The object, the batch, an instance, then one level per axis of the sample beyond the first;
            // one more for the named-input form, and one so that a value nested one level too deep is refused where
            // it starts ("expected a number, got an array") rather than by the reader. Anything deeper is refused by
            // the reader itself.
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = sampleShape.Length + 5 });
            (int rows, bool columnar) = ReadObject(ref reader, sampleShape, sampleLength, ref values);
            if (rows == 0)
            {
                throw Bad($"the request has no instances; send at least one row of {sampleLength} numbers");
            }

            Tensor input = Tensor.Zeros([rows, .. sampleShape]);
            values.Buffer.AsSpan(0, values.Count).CopyTo(input.AsSpan());
            return new PredictRequest(input, columnar);
        }
        catch (JsonException e)
        {
            // TF Serving reads bare NaN and Infinity (not JSON); this server takes finite inputs only, and says so rather
            // than leave a client to decode "'N' is an invalid start of a value".
            string hint = NonFiniteLiteral(e.Message) ? " (NaN and Infinity are not accepted as inputs: send finite numbers)" : "";
            throw Bad($"malformed JSON: {e.Message}{hint}");
        }
        catch (InvalidOperationException e) when (e.InnerException is System.Text.DecoderFallbackException)
        {
            // The reader checks a string's UTF-8 only when the string is read (a field name, a string where a number was due).
            throw Bad("the body is not valid UTF-8 text: a string in it holds bytes that are not UTF-8");
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values.Buffer);
        }
    }

    private static (int Rows, bool Columnar) ReadObject(ref Utf8JsonReader reader, int[] shape, int sampleLength, ref Values values)
    {
        Next(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Bad($"expected a JSON object such as {Example}; got {Describe(ref reader)}");
        }

        int? rows = null;
        bool columnar = false;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string field = reader.GetString()!;
            switch (field)
            {
                case "instances" or "inputs":
                    if (rows is not null)
                    {
                        throw Bad($"the request has '{field}' after '{(columnar ? "inputs" : "instances")}'; send one of them");
                    }

                    columnar = field == "inputs";
                    rows = columnar ? ReadInputs(ref reader, shape, sampleLength, ref values) : ReadBatch(ref reader, field, shape, sampleLength, ref values);
                    break;
                case "signature_name":
                    Next(ref reader);
                    // TF Serving takes an empty name as the default signature (predict_util.cc), and this server's metadata gives "".
                    if (reader.TokenType != JsonTokenType.String || !(reader.ValueTextEquals("serving_default") || reader.ValueTextEquals("")))
                    {
                        throw Bad($"signature_name {Describe(ref reader)} not found; the model has one signature, \"serving_default\"");
                    }

                    break;
                default:
                    throw Bad($"unknown field '{Shorten(field)}'; expected 'instances' (rows) or 'inputs' (columns), and optionally 'signature_name'");
            }
        }

        if (reader.Read())
        {
            throw Bad($"unexpected {Describe(ref reader)} after the request object");
        }

        return (rows ?? throw Bad($"the request has no 'instances' field; send JSON such as {Example}"), columnar);
    }

    /// <summary>The columnar form: the batch itself, or an object naming the model's one input.</summary>
    private static int ReadInputs(ref Utf8JsonReader reader, int[] shape, int sampleLength, ref Values values)
    {
        if (!reader.Read())
        {
            throw Bad("the JSON ends after 'inputs'");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return ReadBatchAt(ref reader, "inputs", shape, sampleLength, ref values);
        }

        Next(ref reader);
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            throw Bad("'inputs' is an empty object; give the model's one input, e.g. {\"inputs\": {\"input\": [[...], ...]}}");
        }

        string name = Shorten(reader.GetString()!);
        int rows = ReadBatch(ref reader, $"inputs.{name}", shape, sampleLength, ref values);
        Next(ref reader);
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw Bad($"'inputs' names more than one input ('{name}', then '{Shorten(reader.GetString()!)}'); this model has one input");
        }

        return rows;
    }

    private static int ReadBatch(ref Utf8JsonReader reader, string field, int[] shape, int sampleLength, ref Values values)
    {
        Next(ref reader);
        return ReadBatchAt(ref reader, field, shape, sampleLength, ref values);
    }

    private static int ReadBatchAt(ref Utf8JsonReader reader, string field, int[] shape, int sampleLength, ref Values values)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Bad($"'{field}' must be an array with one instance per row, each {Describe(shape)}; got {Describe(ref reader)}");
        }

        Span<int> index = stackalloc int[Tensor.MaxRank];
        int rows = 0;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return rows;
            }

            index[0] = rows;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                // TF Serving's row form for named inputs, {"instances": [{"input": [...]}, ...]}: this model has one input,
                // taken under whatever name the client gives it (as the columnar form takes it).
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    throw Bad($"instance {rows} is an empty object; give the model's one input, e.g. {{\"input\": [...]}}");
                }

                string name = Shorten(reader.GetString()!);
                Next(ref reader);
                ReadValue(ref reader, shape, 0, index, sampleLength, ref values);
                Next(ref reader);
                if (reader.TokenType != JsonTokenType.EndObject)
                {
                    throw Bad($"instance {rows} names more than one input ('{name}', then '{Shorten(reader.GetString()!)}'); this model has one input");
                }
            }
            else
            {
                ReadValue(ref reader, shape, 0, index, sampleLength, ref values);
            }

            rows++;
        }
    }

    /// <summary>Reads the value at <paramref name="index"/>[..axis + 1] of the batch: a number, or an array along the sample's axis.</summary>
    private static void ReadValue(ref Utf8JsonReader reader, int[] shape, int axis, scoped Span<int> index, int sampleLength, ref Values values)
    {
        if (axis == shape.Length)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw Bad($"{Where(index, axis, shape.Length)}: expected a number, got {Describe(ref reader)}");
            }

            if (!reader.TryGetSingle(out float value) || !float.IsFinite(value))
            {
                throw Bad($"{Where(index, axis, shape.Length)}: {Raw(ref reader)} is outside float32's range (±3.4028235E+38)");
            }

            values.Add(value);
            return;
        }

        int expected = shape[axis];
        string what = expected == 1 ? (shape.Length == 1 ? "1 feature" : "1 value") : shape.Length == 1 ? $"{expected} features" : $"{expected} values";
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            string hint = axis == 0 ? $"each instance is {Describe(shape)}" : $"expected an array of {what}";
            // A number where an axis was due: the instance has fewer axes than the model's input (a flat row of pixels for an
            // image model, or an image without its channel axis). Say so with the shape, not only where the reader stopped.
            string reshape = string.Join(", ", (IEnumerable<int>)[-1, .. shape]);
            string fewerAxes = axis > 0 && reader.TokenType == JsonTokenType.Number
                ? $"; the instance has fewer axes than the model's input: send each instance as {Describe(shape)} (numpy: x.reshape({reshape}).tolist())"
                : "";
            throw Bad($"{Where(index, axis, shape.Length)}: {hint}; got {Describe(ref reader)}{fewerAxes}");
        }

        int count = 0;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            if (count < expected)
            {
                index[axis + 1] = count;
                ReadValue(ref reader, shape, axis + 1, index, sampleLength, ref values);
            }
            else
            {
                reader.Skip();
            }

            count++;
        }

        if (count != expected)
        {
            string model = axis == 0 && shape.Length > 1 ? $" (the model takes {Describe(shape)})" : "";
            throw new RequestException(StatusCodes.Status400BadRequest, $"{Where(index, axis, shape.Length)}: expected {what}, got {count}{model}")
            {
                WrongLength = true,
            };
        }
    }

    /// <summary>"instance 3", "instance 3, feature 5" or "instance 3 at [2][5]": where in the batch a value sits.</summary>
    private static string Where(ReadOnlySpan<int> index, int axis, int rank)
    {
        if (axis == 0)
        {
            return $"instance {index[0]}";
        }

        if (rank == 1)
        {
            return $"instance {index[0]}, feature {index[1]}";
        }

        var text = new System.Text.StringBuilder($"instance {index[0]} at ");
        for (int i = 1; i <= axis; i++)
        {
            text.Append('[').Append(index[i]).Append(']');
        }

        return text.ToString();
    }

    private static string Describe(int[] shape) => shape.Length == 1
        ? $"an array of {(shape[0] == 1 ? "1 number" : $"{shape[0]} numbers")}"
        : $"nested arrays of shape [{string.Join(", ", shape)}]";

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Shorten(reader.GetString()!)}\"",
        JsonTokenType.Number => $"the number {Raw(ref reader)}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static string Raw(ref Utf8JsonReader reader) =>
        Shorten(System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan));

    /// <summary>Echoes a client's text in an error without echoing a whole megabyte of it.</summary>
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Bad("the JSON ends early");
        }
    }

    /// <summary>Whether the reader stopped at a NaN or Infinity literal (its messages for 'N', 'I', and a sign followed by 'I').</summary>
    private static bool NonFiniteLiteral(string message) =>
        message.StartsWith("'N' is an invalid start of a value", StringComparison.Ordinal)
        || message.StartsWith("'I' is an invalid start of a value", StringComparison.Ordinal)
        || message.StartsWith("'I' is invalid within a number, immediately after a sign", StringComparison.Ordinal);

    private static bool IsBlank(ReadOnlySequence<byte> body)
    {
        foreach (ReadOnlyMemory<byte> segment in body)
        {
            foreach (byte b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static RequestException Bad(string message) => new(StatusCodes.Status400BadRequest, message);

    /// <summary>The numbers read so far, in a rented buffer large enough for any body of this length.</summary>
    /// <summary>The numbers read so far, in a buffer rented from the shared pool (the caller returns <see cref="Buffer"/>).</summary>
    private struct Values(float[] buffer)
    {
        /// <summary>The first buffer's length at most: 64 KB of floats, a few hundred MNIST images.</summary>
        public const int InitialLength = 16 * 1024;

        public float[] Buffer = buffer;
        public int Count;

        public void Add(float value)
        {
            if (Count == Buffer.Length)
            {
                float[] larger = ArrayPool<float>.Shared.Rent((int)Math.Min(2L * Buffer.Length, Array.MaxLength));
                Buffer.AsSpan(0, Count).CopyTo(larger);
                ArrayPool<float>.Shared.Return(Buffer);
                Buffer = larger;
            }

            Buffer[Count++] = value;
        }
    }
}
