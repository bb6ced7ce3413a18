using System.IO.Pipelines;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogitNet.Cli.Serving;

/// <summary>
/// One loaded model behind TensorFlow Serving's REST API on Kestrel. Requests run in parallel on the
/// one model: <see cref="Sequential.Predict"/> keeps each call's state in its own execution context.
/// </summary>
internal sealed class PredictionServer
{
    private readonly Sequential _model;
    private readonly string _name;
    private readonly int[] _sampleShape;
    private readonly long _maxBodyBytes;

    /// <summary>
    /// How far past the limit a request body is read to its end and dropped before the 413 goes out. Most clients (Python's
    /// urllib and requests among them) send the whole body without waiting for "100 Continue"; a server that answers and
    /// closes while they are still sending makes them fail with a broken pipe or a reset, and the 413 is never read.
    /// Bodies longer than this are cut off by Kestrel, connection closed.
    /// </summary>
    private const long DrainBytes = 1L << 30;

    /// <summary>The <c>--input-shape</c> the model was loaded with (a Keras model's open axes filled in), or null.</summary>
    private readonly string? _inputShapeOption;

    public PredictionServer(Sequential model, string name, long maxBodyBytes, string? inputShapeOption = null)
    {
        _model = model;
        _name = name;
        _sampleShape = model.Layers[0].InputShape;
        _maxBodyBytes = maxBodyBytes;
        _inputShapeOption = inputShapeOption;
    }

    /// <summary>
    /// Serves until Ctrl-C or SIGTERM, then lets the requests in flight finish. <paramref name="started"/>
    /// gets the address actually bound (port 0 picks a free one).
    /// </summary>
    public void Run(IPAddress address, int port, Action<string> started)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Past the limit a body is still read (and dropped) up to this hard cap, so that the client gets the 413; see
            // ThrowTooLargeAsync.
            kestrel.Limits.MaxRequestBodySize = _maxBodyBytes + DrainBytes;
            kestrel.Listen(address, port);
        });

        WebApplication app = builder.Build();
        app.Run(HandleAsync);
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            ((IAsyncDisposable)app).DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new CliFailureException(
                $"port {port} on {address} is already in use (another server, or another 'logitnet serve'); stop it, or choose another port with --port (--port 0 picks a free one)", e);
        }
        catch (Exception e) when ((e as SocketException ?? e.InnerException as SocketException) is { } socket)
        {
            // Kestrel's bind fails with the socket's own error: "Cannot assign requested address" and a stack trace.
            ((IAsyncDisposable)app).DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw socket.SocketErrorCode == SocketError.AddressNotAvailable
                ? new CliFailureException(
                    $"--host {address}: not an address of this machine, so the server cannot listen on it; pass 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses{OwnAddresses(address.AddressFamily)}", e)
                : new CliFailureException($"cannot listen on {address} port {port} (--host, --port): {socket.Message}", e);
        }

        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        started(url);
        app.WaitForShutdownAsync().GetAwaiter().GetResult();
        ((IAsyncDisposable)app).DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>This machine's addresses of <paramref name="family"/> (at most 6), as " (a, b, ...)", or "" when none can be listed.</summary>
    private static string OwnAddresses(AddressFamily family)
    {
        try
        {
            string[] addresses = NetworkInterface.GetAllNetworkInterfaces()
                .Where(nic => nic.OperationalStatus == OperationalStatus.Up)
                .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
                .Select(unicast => unicast.Address)
                .Where(a => a.AddressFamily == family && !a.IsIPv6LinkLocal)
                .Select(a => a.ToString())
                .Distinct()
                .Take(6)
                .ToArray();
            return addresses.Length == 0 ? "" : $" ({string.Join(", ", addresses)})";
        }
        catch (NetworkInformationException)
        {
            return "";
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        CancellationToken cancellation = context.RequestAborted;
        try
        {
            await DispatchAsync(context, cancellation);
        }
        catch (RequestException e)
        {
            await TryWriteErrorAsync(context, e.StatusCode, e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TryWriteErrorAsync(context, e.StatusCode, TooLarge());
        }
        catch (BadHttpRequestException e)
        {
            await TryWriteErrorAsync(context, e.StatusCode, e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
        catch (Exception e)
        {
            await TryWriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"internal error ({e.GetType().Name}): {e.Message}");
        }
    }

    private async Task DispatchAsync(HttpContext context, CancellationToken cancellation)
    {
        HttpRequest request = context.Request;
        ModelRoute route = ModelRoute.Parse(request.Path.Value ?? "")
            ?? throw new RequestException(StatusCodes.Status404NotFound,
                $"no such endpoint: {request.Path}; this server answers GET /v1/models/{_name} and POST /v1/models/{_name}:predict");
        if (route.Name != _name)
        {
            throw new RequestException(StatusCodes.Status404NotFound, $"model '{route.Name}' not found; this server serves '{_name}'");
        }

        // TF Serving reads the version as an integer: /versions/01 is version 1.
        if (route.Version is not null && !(long.TryParse(route.Version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long version) && version == 1))
        {
            throw new RequestException(StatusCodes.Status404NotFound, $"version {route.Version} of model '{_name}' not found; this server has version 1");
        }

        if (route.Metadata)
        {
            if (route.Method is not null)
            {
                throw new RequestException(StatusCodes.Status404NotFound, $"no such endpoint: {request.Path}; the metadata is GET /v1/models/{_name}/metadata");
            }

            RequireMethod(context, HttpMethods.Get, "the model metadata");
            await PredictResponse.WriteMetadataAsync(context.Response, _name, _sampleShape, _model.Layers[^1].OutputShape, cancellation);
            return;
        }

        switch (route.Method)
        {
            case null:
                RequireMethod(context, HttpMethods.Get, "the model status");
                await PredictResponse.WriteStatusAsync(context.Response, cancellation);
                return;
            case "predict":
                RequireMethod(context, HttpMethods.Post, ":predict");
                if (request.ContentLength > _maxBodyBytes)
                {
                    await ThrowTooLargeAsync(request, "", cancellation);
                }

                PredictRequest parsed = IsGzip(request)
                    ? await ReadGzipRequestAsync(request, cancellation)
                    : await ReadPlainRequestAsync(request.BodyReader, cancellation);

                Tensor output;
                try
                {
                    output = _model.Predict(parsed.Input);
                }
                catch (ArgumentException e)
                {
                    // A value the model refuses (an Embedding id outside its vocabulary, say) is the client's to fix: 400, as
                    // TF Serving's INVALID_ARGUMENT, not a 500 that clients retry.
                    string message = e.ParamName is { } parameter ? e.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : e.Message;
                    throw new RequestException(StatusCodes.Status400BadRequest, message);
                }

                await PredictResponse.WriteAsync(context.Response, output, parsed.Columnar, cancellation);
                return;
            default:
                throw new RequestException(StatusCodes.Status404NotFound, $"':{route.Method}' is not supported; this server answers ':predict'");
        }
    }

    /// <summary>
    /// A 405 unless the request uses <paramref name="method"/>; HEAD is taken wherever GET is (HTTP requires it of a GET
    /// resource, and monitors probe with it), and Kestrel sends the headers without the body.
    /// </summary>
    private static void RequireMethod(HttpContext context, string method, string what)
    {
        bool get = method == HttpMethods.Get;
        if (!(HttpMethods.Equals(context.Request.Method, method) || (get && HttpMethods.IsHead(context.Request.Method))))
        {
            context.Response.Headers.Allow = get ? "GET, HEAD" : method;
            throw new RequestException(StatusCodes.Status405MethodNotAllowed, $"{context.Request.Method} is not allowed for {what}; use {method}");
        }
    }

    /// <summary>
    /// Whether the body is gzip-compressed (<c>Content-Encoding: gzip</c>), as TF Serving's HTTP server takes it; a 415 for
    /// an encoding other than gzip or identity, which would otherwise be read as malformed JSON.
    /// </summary>
    private static bool IsGzip(HttpRequest request)
    {
        string encoding = request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        string shown = encoding.Length <= 40 ? encoding : encoding[..40] + "...";
        throw new RequestException(StatusCodes.Status415UnsupportedMediaType,
            $"Content-Encoding '{shown}' is not supported; send the JSON uncompressed or gzip-compressed (Content-Encoding: gzip)");
    }

    private async Task<PredictRequest> ReadPlainRequestAsync(PipeReader reader, CancellationToken cancellation)
    {
        System.Buffers.ReadOnlySequence<byte> body = await ReadBodyAsync(reader, cancellation);
        if (body.Length > _maxBodyBytes)
        {
            reader.AdvanceTo(body.End);
            await ThrowTooLargeAsync(reader, "", cancellation);
        }

        try
        {
            return Parse(body);
        }
        finally
        {
            reader.AdvanceTo(body.End);
        }
    }

    /// <summary>
    /// The request read into a batch. A length that differs from one <c>--input-shape</c> chose gets that said: TF Serving
    /// takes any length on a Keras model's open axis (a text model's sequences), this server the one it was started with.
    /// </summary>
    private PredictRequest Parse(System.Buffers.ReadOnlySequence<byte> body)
    {
        try
        {
            return PredictRequest.Read(body, _sampleShape);
        }
        catch (RequestException e) when (e.WrongLength && _inputShapeOption is not null)
        {
            throw new RequestException(e.StatusCode,
                $"{e.Message}; this server was started with --input-shape {_inputShapeOption}, which fixes the model's input to that shape: pad or cut " +
                "the samples to it, or restart the server with the shape they have");
        }
    }

    /// <summary>
    /// A gzip-compressed body, decompressed into a pooled buffer. Kestrel bounds the compressed bytes; the decompressed
    /// JSON is bounded by the same limit here, so a small body that inflates to gigabytes (a "zip bomb") gets the 413.
    /// </summary>
    private async Task<PredictRequest> ReadGzipRequestAsync(HttpRequest request, CancellationToken cancellation)
    {
        // One byte past the limit is read to tell "exactly the limit" from "over it".
        int cap = (int)_maxBodyBytes + 1;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        int length = 0;
        try
        {
            await using (var gzip = new System.IO.Compression.GZipStream(request.Body, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true))
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        byte[] larger = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, cap));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    int read = await gzip.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, cap) - length), cancellation);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                    if (length > _maxBodyBytes)
                    {
                        await ThrowTooLargeAsync(request.BodyReader, " once decompressed", cancellation);
                    }
                }
            }

            return Parse(new System.Buffers.ReadOnlySequence<byte>(buffer, 0, length));
        }
        catch (InvalidDataException e)
        {
            throw new RequestException(StatusCodes.Status400BadRequest,
                $"the body is marked Content-Encoding: gzip but is not valid gzip data ({e.Message}); send the JSON gzip-compressed, or drop the header");
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Throws (never returns) the 413 for a body over the limit, after reading the rest of it (dropped as it comes, up to
    /// Kestrel's hard cap) unless the client waits for "100 Continue": then it has sent nothing yet, and Kestrel sends no
    /// 100 once refused.
    /// </summary>
    private Task ThrowTooLargeAsync(HttpRequest request, string how, CancellationToken cancellation) =>
        request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase)
            ? throw new RequestException(StatusCodes.Status413PayloadTooLarge, TooLarge(how))
            : ThrowTooLargeAsync(request.BodyReader, how, cancellation);

    private async Task ThrowTooLargeAsync(PipeReader body, string how, CancellationToken cancellation)
    {
        while (true)
        {
            ReadResult result = await body.ReadAsync(cancellation);
            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new RequestException(StatusCodes.Status413PayloadTooLarge, TooLarge(how));
            }
        }
    }

    /// <summary>The whole body, kept in the pipe's own buffers (no copy), or as much as the limit and one segment more.</summary>
    private async Task<System.Buffers.ReadOnlySequence<byte>> ReadBodyAsync(PipeReader body, CancellationToken cancellation)
    {
        while (true)
        {
            ReadResult result = await body.ReadAsync(cancellation);
            if (result.IsCompleted || result.Buffer.Length > _maxBodyBytes)
            {
                // The caller consumes it (AdvanceTo) once it is parsed.
                return result.Buffer;
            }

            body.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private string TooLarge(string how = "") =>
        $"the request body is larger{how} than this server's limit of {_maxBodyBytes:N0} bytes (logitnet serve --max-body-mb); send fewer instances per request";

    private static async Task TryWriteErrorAsync(HttpContext context, int statusCode, string message)
    {
        if (context.Response.HasStarted)
        {
            // Part of an answer has gone out; an error body now would corrupt it. Drop the connection instead.
            context.Abort();
            return;
        }

        try
        {
            await PredictResponse.WriteErrorAsync(context.Response, statusCode, message, context.RequestAborted);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while we answered.
        }
    }
}
