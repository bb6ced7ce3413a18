using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LogitNet.Data;

namespace LogitNet.Cli.Tests;

/// <summary><c>logitnet serve</c>: TensorFlow Serving's REST API over real HTTP on a loopback port.</summary>
public sealed class ServeTests(ServedModelFixture served) : IClassFixture<ServedModelFixture>
{
    private const int Features = 64;

    private HttpClient Client => served.Server.Client;

    [Fact]
    public async Task Status_IsTfServingsModelStatus_UnderTheFilesName()
    {
        using HttpResponseMessage response = await Client.GetAsync("/v1/models/digits");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement version = Assert.Single(document.RootElement.GetProperty("model_version_status").EnumerateArray());
        Assert.Equal("1", version.GetProperty("version").GetString());
        Assert.Equal("AVAILABLE", version.GetProperty("state").GetString());
        Assert.Equal("OK", version.GetProperty("status").GetProperty("error_code").GetString());
        Assert.Equal("", version.GetProperty("status").GetProperty("error_message").GetString());

        using HttpResponseMessage versioned = await Client.GetAsync("/v1/models/digits/versions/1");
        Assert.Equal(HttpStatusCode.OK, versioned.StatusCode);

        // TF Serving reads the version as an integer.
        using HttpResponseMessage padded = await Client.GetAsync("/v1/models/digits/versions/01");
        Assert.Equal(HttpStatusCode.OK, padded.StatusCode);
    }

    [Fact]
    public async Task Metadata_IsTfServingsSignature_WithTheModelsShapes()
    {
        using HttpResponseMessage response = await Client.GetAsync("/v1/models/digits/metadata");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = document.RootElement;
        Assert.Equal("digits", root.GetProperty("model_spec").GetProperty("name").GetString());
        JsonElement signature = root.GetProperty("metadata").GetProperty("signature_def").GetProperty("signature_def").GetProperty("serving_default");
        Assert.Equal("tensorflow/serving/predict", signature.GetProperty("method_name").GetString());
        foreach ((string group, string name, string width) in (ReadOnlySpan<(string, string, string)>)[("inputs", "input", "64"), ("outputs", "output", "10")])
        {
            JsonElement tensor = signature.GetProperty(group).GetProperty(name);
            Assert.Equal("DT_FLOAT", tensor.GetProperty("dtype").GetString());
            Assert.Equal(["-1", width], tensor.GetProperty("tensor_shape").GetProperty("dim").EnumerateArray().Select(d => d.GetProperty("size").GetString()));
        }
    }

    [Fact]
    public async Task Predict_Instances_AreInProcessPredictBitForBit()
    {
        // Real digits and awkward values: a subnormal, the largest float, negative zero, long fractions.
        Tensor digits = Datasets.Digits(normalize: true).Features.Slice(0, 37);
        float[] values = digits.ToArray();
        values[5] = float.Epsilon;
        values[70] = -0f;
        values[200] = 0.1f + 1e-8f;
        values[300] = 1e30f;
        values[301] = -3.4028235e38f;
        Tensor x = Tensor.FromArray(values, 37, Features);

        float[] expected = served.Model.Predict(x).ToArray();
        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", Instances(x));

        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(expected, ParsePredictions(body, "predictions", 37, 10));

        // One row alone, and the versioned path.
        Tensor one = x.Slice(3, 1);
        (status, body) = await PostAsync("/v1/models/digits/versions/1:predict", Instances(one));
        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(served.Model.Predict(one).ToArray(), ParsePredictions(body, "predictions", 1, 10));
    }

    [Fact]
    public async Task Predict_ManyInstances_GrowTheValueBuffer_AndAreStillPredictBitForBit()
    {
        // 900 digits of 64 features: 57,600 numbers, past the request reader's first 16K-float buffer twice.
        Tensor x = Datasets.Digits(normalize: true).Features.Slice(0, 900);

        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", Instances(x));

        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(served.Model.Predict(x).ToArray(), ParsePredictions(body, "predictions", 900, 10));
    }

    [Fact]
    public async Task Predict_NonFiniteOutputs_AreWrittenAsTfServingWritesThem()
    {
        Tensor x = Tensor.Full(3e38f, 2, Features);
        float[] expected = served.Model.Predict(x).ToArray();
        Assert.Contains(expected, v => !float.IsFinite(v));   // else the case tests nothing

        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", Instances(x));

        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(expected, ParsePredictions(body, "predictions", 2, 10));
    }

    [Fact]
    public async Task Predict_InstancesAsObjectsNamingTheInput_AnswerPredictions()
    {
        // TF Serving's row form for named inputs: {"instances": [{"input": [...]}, ...]}; it was refused ("got an object").
        Tensor x = Datasets.Digits(normalize: true).Features.Slice(20, 2);
        string request = $"{{\"instances\": [{{\"input\": [{string.Join(", ", x.Slice(0, 1).ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]}}, " +
            $"{{\"input\": [{string.Join(", ", x.Slice(1, 1).ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]}}]}}";
        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", request);
        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(served.Model.Predict(x).ToArray(), ParsePredictions(body, "predictions", 2, 10));
    }

    [Fact]
    public async Task Predict_ColumnarInputs_AnswerOutputs()
    {
        Tensor x = Datasets.Digits(normalize: true).Features.Slice(10, 3);
        float[] expected = served.Model.Predict(x).ToArray();
        string batch = Batch(x);

        // An empty signature_name is the default one, as in TF Serving (and as this server's metadata names it).
        foreach (string request in (string[])[$"{{\"inputs\": {batch}}}", $"{{\"signature_name\": \"serving_default\", \"inputs\": {{\"input\": {batch}}}}}",
                     $"{{\"signature_name\": \"\", \"inputs\": {batch}}}"])
        {
            (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", request);
            Assert.True(status == HttpStatusCode.OK, body);
            AssertBitwise(expected, ParsePredictions(body, "outputs", 3, 10));
        }
    }

    public static TheoryData<string, int, string> BadBodies()
    {
        string row = string.Join(", ", Enumerable.Range(0, Features));
        string Row(string first) => $"{first}, {string.Join(", ", Enumerable.Range(1, Features - 1))}";
        return new TheoryData<string, int, string>
        {
            { "", 400, "the request body is empty" },
            { "  \n", 400, "the request body is empty" },
            { "{\"instances\": [[1, 2", 400, "malformed JSON" },
            { "{instances: []}", 400, "malformed JSON" },
            { $"{{\"instances\": [[{row}]]}} trailing", 400, "malformed JSON" },
            { "[[1, 2]]", 400, "expected a JSON object such as {\"instances\": [[...], ...]}; got an array" },
            { "{\"instances\": [[1, 2]]}", 400, "instance 0: expected 64 features, got 2" },
            { $"{{\"instances\": [[{row}], [{row}, 64]]}}", 400, "instance 1: expected 64 features, got 65" },
            { $"{{\"instances\": [[{Row("\"7\"")}]]}}", 400, "instance 0, feature 0: expected a number, got the string \"7\"" },
            { $"{{\"instances\": [[{row}], [{Row("null")}]]}}", 400, "instance 1, feature 0: expected a number, got null" },
            { $"{{\"instances\": [[{Row("true")}]]}}", 400, "instance 0, feature 0: expected a number, got true" },
            { $"{{\"instances\": [[{Row("1e39")}]]}}", 400, "instance 0, feature 0: 1e39 is outside float32's range" },
            { $"{{\"instances\": [[{Row("NaN")}]]}}", 400, "NaN and Infinity are not accepted as inputs" },
            { $"{{\"instances\": [[{Row("-Infinity")}]]}}", 400, "NaN and Infinity are not accepted as inputs" },
            { "{\"instances\": [{}]}", 400, "instance 0 is an empty object" },
            { $"{{\"instances\": [{{\"a\": [{row}], \"b\": [{row}]}}]}}", 400, "instance 0 names more than one input ('a', then 'b')" },
            { $"{{\"instances\": [[{Row("[1]")}]]}}", 400, "instance 0, feature 0: expected a number, got an array" },
            { "{\"instances\": [7]}", 400, "instance 0: each instance is an array of 64 numbers; got the number 7" },
            { "{\"instances\": {\"a\": 1}}", 400, "'instances' must be an array" },
            { "{\"instances\": []}", 400, "the request has no instances" },
            { "{\"rows\": []}", 400, "unknown field 'rows'" },
            { "{}", 400, "the request has no 'instances' field" },
            { $"{{\"instances\": [[{row}]], \"inputs\": [[{row}]]}}", 400, "the request has 'inputs' after 'instances'; send one of them" },
            { $"{{\"inputs\": {{\"a\": [[{row}]], \"b\": [[{row}]]}}}}", 400, "'inputs' names more than one input ('a', then 'b')" },
            { $"{{\"signature_name\": \"classify\", \"instances\": [[{row}]]}}", 400, "signature_name the string \"classify\" not found" },
            { "{\"instances\": " + new string('[', 100_000), 400, "instance 0, feature 0: expected a number, got an array" },
            { new string('{', 100_000), 400, "malformed JSON" },
        };
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Predict_BadRequest_Is4xxNamingTheProblem_AndTheServerStaysUp(string request, int expectedStatus, string expectedMessage)
    {
        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", request);

        Assert.Equal(expectedStatus, (int)status);
        Assert.Contains(expectedMessage, ErrorOf(body));
        await AssertStillServingAsync();
    }

    /// <summary>
    /// Bytes a string cannot carry: invalid UTF-8 in a string or a field name is a 400 naming it (it was a 500 "internal
    /// error"), and a UTF-8 byte-order mark before the JSON is allowed.
    /// </summary>
    [Fact]
    public async Task Predict_InvalidUtf8_Is400_AndAByteOrderMarkIsAllowed()
    {
        foreach (byte[] request in new[]
        {
            Encoding.UTF8.GetBytes("{\"instances\": [[\"").Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes("\"]]}")).ToArray(),
            Encoding.UTF8.GetBytes("{\"").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\": 1}")).ToArray(),
        })
        {
            using HttpResponseMessage response = await Client.PostAsync("/v1/models/digits:predict", new ByteArrayContent(request));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("not valid UTF-8", ErrorOf(await response.Content.ReadAsStringAsync()));
        }

        Tensor x = Datasets.Digits(normalize: true).Features.Slice(0, 2);
        byte[] withMark = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Instances(x))];
        using HttpResponseMessage answer = await Client.PostAsync("/v1/models/digits:predict", new ByteArrayContent(withMark));
        string body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, body);
        AssertBitwise(served.Model.Predict(x).ToArray(), ParsePredictions(body, "predictions", 2, 10));
        await AssertStillServingAsync();
    }

    /// <summary>The columnar form nested one level too deep is refused where it starts, as the instances form is.</summary>
    [Fact]
    public async Task Predict_ColumnarInputsNestedTooDeep_IsRefusedWhereItStarts()
    {
        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", "{\"inputs\": {\"input\": [[[1]]]}}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("expected a number, got an array", ErrorOf(body));
    }

    [Theory]
    [InlineData("GET", "/v1/models/nope", 404, "model 'nope' not found; this server serves 'digits'")]
    [InlineData("POST", "/v1/models/nope:predict", 404, "model 'nope' not found")]
    [InlineData("GET", "/v1/models/digits/versions/2", 404, "version 2 of model 'digits' not found")]
    [InlineData("POST", "/v1/models/digits:classify", 404, "':classify' is not supported")]
    [InlineData("GET", "/", 404, "no such endpoint: /")]
    [InlineData("GET", "/v1/models/digits:predict", 405, "GET is not allowed for :predict; use POST")]
    [InlineData("POST", "/v1/models/digits", 405, "POST is not allowed for the model status; use GET")]
    [InlineData("POST", "/v1/models/digits/metadata", 405, "POST is not allowed for the model metadata; use GET")]
    [InlineData("GET", "/v1/models/nope/metadata", 404, "model 'nope' not found")]
    public async Task WrongModelPathOrMethod_Is4xxNamingTheProblem(string method, string path, int expectedStatus, string expectedMessage)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("{\"instances\": [[1]]}");
        }

        using HttpResponseMessage response = await Client.SendAsync(request);

        Assert.Equal(expectedStatus, (int)response.StatusCode);
        Assert.Contains(expectedMessage, ErrorOf(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>HEAD on the status and metadata (an uptime monitor's probe) was 405; HTTP asks a GET resource to take it.</summary>
    [Theory]
    [InlineData("/v1/models/digits")]
    [InlineData("/v1/models/digits/metadata")]
    public async Task Head_OnTheStatusAndMetadata_Is200WithoutABody(string path)
    {
        using HttpResponseMessage response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        using HttpResponseMessage put = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, path));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal(["GET", "HEAD"], put.Content.Headers.Allow);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Predict_BodyOverTheLimit_Is413_WithOrWithoutContentLength(bool contentLength)
    {
        // 1 MiB is this server's --max-body-mb; the body is valid JSON, just too long.
        string row = "[" + string.Join(", ", Enumerable.Repeat("0.123456789", Features)) + "]";
        string request = "{\"instances\": [" + string.Join(", ", Enumerable.Repeat(row, 1_100_000 / row.Length + 1)) + "]}";
        Assert.True(request.Length > 1024 * 1024);
        byte[] bytes = Encoding.UTF8.GetBytes(request);
        HttpContent content = contentLength ? new ByteArrayContent(bytes) : new StreamContent(new UnknownLengthStream(bytes));
        if (!contentLength)
        {
            Assert.Null(content.Headers.ContentLength);
        }

        // With a declared length over the limit the server answers 413 before reading a byte and closes
        // the connection; a client still sending would see a broken pipe instead of the answer. So the
        // request waits for "100 Continue" first, as curl does for large bodies.
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/models/digits:predict") { Content = content };
        message.Headers.ExpectContinue = contentLength;
        using HttpResponseMessage response = await Client.SendAsync(message);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than this server's limit of 1,048,576 bytes", ErrorOf(await response.Content.ReadAsStringAsync()));
        await AssertStillServingAsync();
    }

    /// <summary>
    /// A gzip-compressed body (<c>Content-Encoding: gzip</c>), which TF Serving's HTTP server decompresses: it was read as
    /// JSON and refused ("'0x1F' is an invalid start of a value"). Decompressed, it is bounded by the same limit.
    /// </summary>
    [Fact]
    public async Task Predict_GzipBody_IsDecompressed_AndBoundedByTheLimitOnceDecompressed()
    {
        Tensor x = Datasets.Digits(normalize: true).Features.Slice(40, 5);
        (HttpStatusCode status, string body) = await PostBytesAsync(Gzip(Encoding.UTF8.GetBytes(Instances(x))), "gzip");
        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(served.Model.Predict(x).ToArray(), ParsePredictions(body, "predictions", 5, 10));

        // 2 MiB of JSON (mostly spaces) in a few KB of gzip: over the 1 MiB limit once decompressed.
        byte[] inflating = Gzip(Encoding.UTF8.GetBytes("{\"instances\": " + new string(' ', 2 * 1024 * 1024) + Batch(x) + "}"));
        Assert.True(inflating.Length < 64 * 1024);
        (status, body) = await PostBytesAsync(inflating, "gzip");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("larger once decompressed than this server's limit of 1,048,576 bytes", ErrorOf(body));

        (status, body) = await PostBytesAsync(Encoding.UTF8.GetBytes(Instances(x)), "gzip");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("is marked Content-Encoding: gzip but is not valid gzip data", ErrorOf(body));

        (status, body) = await PostBytesAsync(Encoding.UTF8.GetBytes(Instances(x)), "br");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("Content-Encoding 'br' is not supported", ErrorOf(body));
        await AssertStillServingAsync();
    }

    /// <summary>
    /// A client that sends its whole body without waiting for "100 Continue" (Python's urllib and requests, most TF Serving
    /// clients): the server refused the declared length before reading and closed the connection, so the client, still
    /// sending, saw a broken pipe or a reset instead of the 413. The body is now read to its end and discarded first.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Predict_BodyOverTheLimit_SentWithoutWaiting_Gets413NotABrokenPipe(bool gzip)
    {
        // 24 MiB: far more than the loopback socket buffers hold, so the client is still sending when the server decides.
        byte[] bytes = new byte[24 * 1024 * 1024];
        bytes.AsSpan().Fill((byte)' ');
        "{\"instances\": [[1]]}"u8.CopyTo(bytes);
        foreach (int attempt in (int[])[0, 1])
        {
            using var content = new ByteArrayContent(bytes);
            if (gzip)
            {
                content.Headers.ContentEncoding.Add("gzip");
            }

            using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/models/digits:predict") { Content = content };
            message.Headers.ExpectContinue = false;
            using HttpResponseMessage response = await Client.SendAsync(message);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("larger than this server's limit of 1,048,576 bytes", ErrorOf(await response.Content.ReadAsStringAsync()));
        }

        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ConcurrentRequests_EachGetsThePredictionsItWouldGetAlone()
    {
        const int Tasks = 8, RequestsPerTask = 20;
        Tensor digits = Datasets.Digits(normalize: true).Features;

        // Every request's batch and its answer, computed alone beforehand: 1-row and 64-row requests.
        var cases = new (string Body, int Rows, float[] Expected)[Tasks * RequestsPerTask];
        for (int i = 0; i < cases.Length; i++)
        {
            int rows = i % 2 == 0 ? 1 : 64;
            Tensor x = digits.Slice(i * 7 % (digits.Shape[0] - rows), rows);
            cases[i] = (Instances(x), rows, served.Model.Predict(x).ToArray());
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        Task[] workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (int r = 0; r < RequestsPerTask; r++)
            {
                (string body, int rows, float[] expected) = cases[t * RequestsPerTask + r];
                using HttpResponseMessage response = await Client.PostAsync("/v1/models/digits:predict", new StringContent(body), timeout.Token);
                string text = await response.Content.ReadAsStringAsync(timeout.Token);
                Assert.True(response.StatusCode == HttpStatusCode.OK, text);
                AssertBitwise(expected, ParsePredictions(text, "predictions", rows, 10));
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(timeout.Token);
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using HttpResponseMessage response = await Client.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(HttpStatusCode Status, string Body)> PostBytesAsync(byte[] body, string contentEncoding)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(contentEncoding);
        using HttpResponseMessage response = await Client.PostAsync("/v1/models/digits:predict", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return compressed.ToArray();
    }

    private async Task AssertStillServingAsync()
    {
        Tensor x = Datasets.Digits(normalize: true).Features.Slice(0, 2);
        (HttpStatusCode status, string body) = await PostAsync("/v1/models/digits:predict", Instances(x));
        Assert.True(status == HttpStatusCode.OK, body);
        AssertBitwise(served.Model.Predict(x).ToArray(), ParsePredictions(body, "predictions", 2, 10));
    }

    /// <summary>The error message of a 4xx answer, which must be <c>{"error": "..."}</c> and nothing else.</summary>
    private static string ErrorOf(string body)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        JsonProperty error = Assert.Single(document.RootElement.EnumerateObject());
        Assert.Equal("error", error.Name);
        return error.Value.GetString()!;
    }

    internal static string Instances(Tensor x) => $"{{\"instances\": {Batch(x)}}}";

    /// <summary>Rows of floats in their shortest round-trip text, as a client holding float32 values sends them.</summary>
    internal static string Batch(Tensor x)
    {
        int rows = x.Shape[0], columns = x.Shape[1];
        float[] values = x.ToArray();
        var text = new StringBuilder("[");
        for (int r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "[" : ", [");
            for (int c = 0; c < columns; c++)
            {
                text.Append(c == 0 ? "" : ", ").Append(values[r * columns + c].ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append(']');
        }

        return text.Append(']').ToString();
    }

    /// <summary>
    /// The floats of <c>{"KEY": [[...], ...]}</c> read back by float.Parse (correctly rounded), row by row;
    /// NaN, Infinity and -Infinity as TF Serving writes them. Checks the nesting and the counts.
    /// </summary>
    internal static float[] ParsePredictions(string body, string key, int rows, int columns)
    {
        string prefix = $"{{\"{key}\":[";
        Assert.StartsWith(prefix, body);
        Assert.EndsWith("]}", body);
        string inner = body[prefix.Length..^2];
        string[] rowTexts = inner.Split("],[");
        Assert.Equal(rows, rowTexts.Length);
        var values = new List<float>();
        foreach (string rowText in rowTexts)
        {
            string[] numbers = rowText.Trim('[', ']').Split(',');
            Assert.Equal(columns, numbers.Length);
            values.AddRange(numbers.Select(n => float.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        if (!body.Contains("NaN") && !body.Contains("Infinity"))
        {
            // Strict JSON when every value is finite.
            using JsonDocument document = JsonDocument.Parse(body);
        }

        return values.ToArray();
    }

    internal static void AssertBitwise(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"value {i}: in-process {expected[i]:R}, served {actual[i]:R}");
        }
    }

    /// <summary>A stream that does not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
