using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using LogitNet.Cli.Serving;
using LogitNet.Cli.Training;

namespace LogitNet.Cli.Commands;

internal static partial class ServeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model saved by 'logitnet train --output' (or Sequential.Save), or a Keras .keras/.h5 file." };
        var port = new Option<int>("--port", "-p") { Description = "The TCP port to listen on (TF Serving's REST port by default; 0 picks a free one).", DefaultValueFactory = _ => 8501 };
        var name = new Option<string?>("--name", "-n") { Description = "The model name in the URLs, /v1/models/NAME (default: the model file's name without extension)." };
        var host = new Option<string>("--host") { Description = "The address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface), ::1, ...", DefaultValueFactory = _ => "127.0.0.1" };
        var maxBody = new Option<int>("--max-body-mb") { Description = "The largest request body accepted, in MiB; larger ones get 413.", DefaultValueFactory = _ => 32 };
        Option<string?> shapeOption = InputShapeArgument.Create();
        var command = new Command("serve",
            """
            Serve a saved model over HTTP with TensorFlow Serving's REST API, so existing clients work unchanged:
              GET  /v1/models/NAME            the model's status (version 1, AVAILABLE)
              GET  /v1/models/NAME/metadata   its signature: input 'input', output 'output', float32, their shapes
              POST /v1/models/NAME:predict    {"instances": [[...], ...]} -> {"predictions": [[...], ...]}
            The predictions are what model.Predict returns (logits for a model trained from logits). A body may be
            gzip-compressed (Content-Encoding: gzip), as TF Serving takes it. Requests run in parallel on the one
            loaded model. Ctrl-C (or SIGTERM) stops it after the requests in flight.

            Examples:
              logitnet serve digits.logitnet
              logitnet serve digits.logitnet --port 8080 --name digits
              curl -d '{"instances": [[0, 0, 5, 13, ...]]}' http://127.0.0.1:8501/v1/models/digits:predict
            """);
        command.Arguments.Add(model);
        command.Options.Add(shapeOption);
        command.Options.Add(port);
        command.Options.Add(name);
        command.Options.Add(host);
        command.Options.Add(maxBody);
        command.SetAction(parse =>
        {
            string modelPath = parse.GetValue(model)!;
            int portNumber = parse.GetValue(port);
            if (portNumber is < 0 or > 65535)
            {
                throw new UsageException($"--port {portNumber}: expected 0 to 65535 (0 picks a free port)");
            }

            int maxBodyMb = parse.GetValue(maxBody);
            if (maxBodyMb is < 1 or > 1024)
            {
                throw new UsageException($"--max-body-mb {maxBodyMb}: expected 1 to 1024");
            }

            string hostText = parse.GetValue(host)!;
            IPAddress address = hostText == "localhost" ? IPAddress.Loopback
                : IPAddress.TryParse(hostText, out IPAddress? parsed) ? parsed
                : throw new UsageException($"--host '{hostText}': expected an IP address such as 127.0.0.1, 0.0.0.0 or ::1");

            string modelName = parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(modelPath);
            if (!ModelName().IsMatch(modelName))
            {
                string source = parse.GetValue(name) is null ? $" (from the file name; choose one with --name)" : "";
                throw new UsageException($"model name '{modelName}'{source}: expected letters, digits, '.', '_' or '-', as it goes in the URL /v1/models/NAME");
            }

            Sequential loaded = ModelFile.Load(modelPath, InputShapeArgument.Parse(parse.GetValue(shapeOption)));
            int[] inputShape = loaded.Layers[0].InputShape;
            int[] outputShape = loaded.Layers[^1].OutputShape;
            var server = new PredictionServer(loaded, modelName, maxBodyMb * 1024L * 1024L, parse.GetValue(shapeOption));
            server.Run(address, portNumber, url =>
            {
                string features = inputShape is [1] ? "1 feature" : inputShape.Length == 1 ? $"{inputShape[0]} features" : $"input [{string.Join(", ", inputShape)}]";
                // A sequence model's output per instance has more than one axis ([time, classes]): its last axis alone misleads.
                string outputs = outputShape is [1] ? "1 output" : outputShape.Length == 1 ? $"{outputShape[0]} outputs" : $"output [{string.Join(", ", outputShape)}]";
                Console.WriteLine($"Serving '{modelName}' ({Path.GetFileName(modelPath)}: {features} -> {outputs}) on {url}");
                Console.WriteLine($"  status:  curl {url}/v1/models/{modelName}");
                Console.WriteLine($"  predict: curl -d '{{\"instances\": [[...]]}}' {url}/v1/models/{modelName}:predict");
                Console.WriteLine("Press Ctrl-C to stop.");
            });
            Console.WriteLine("Stopped.");
            return ExitCodes.Success;
        });
        return command;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ModelName();
}
