using System.CommandLine;
using LogitNet.Cli.Training;

namespace LogitNet.Cli.Commands;

/// <summary><c>logitnet convert IN OUT</c>: between Keras files, LogitNet's format and ONNX, by the names' endings.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "The model: LogitNet's file, a Keras .keras file, or a Keras HDF5 .h5/.hdf5 file (told apart by content)." };
        var output = new Argument<string>("OUT") { Description = "The file to write; its ending picks the format: .keras (Keras 3), .onnx, or anything else for LogitNet's format." };
        Option<string?> inputShape = InputShapeArgument.Create();
        var command = new Command("convert",
            """
            Convert a model between Keras files, LogitNet's format and ONNX. IN is read by its content:
            LogitNet's file, a Keras 3 .keras zip (tf.keras 2.13+ writes them too) or a legacy Keras HDF5
            .h5 file (Keras 2.x or 3.x). OUT's ending picks what is written: .keras (a Keras 3 file that
            keras.models.load_model reads), .onnx (opset 17), anything else LogitNet's own format.
            .h5 is read, not written: write .keras for Keras. A Keras model whose input leaves axes open
            (None), such as a text model over sequences of any length, needs --input-shape: the model
            written takes that one shape.

            Examples:
              logitnet convert model.h5 model.logitnet
              logitnet convert model.keras model.onnx
              logitnet convert digits.logitnet digits.keras
              logitnet convert text_classifier.keras text.onnx --input-shape 250
            """);
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        command.Options.Add(inputShape);
        command.SetAction(parse =>
        {
            string inputPath = parse.GetValue(input)!, outputPath = parse.GetValue(output)!;
            if (OutputPath.IsSameFile(inputPath, outputPath))
            {
                throw new UsageException($"OUT '{outputPath}' is IN itself; give the converted model another name.");
            }

            string extension = Path.GetExtension(outputPath).ToLowerInvariant();
            if (extension is ".h5" or ".hdf5")
            {
                throw new UsageException($"OUT '{outputPath}': LogitNet reads Keras HDF5 files but does not write them; write a .keras file, which Keras 3 and tf.keras 2.13+ load.");
            }

            // Before the model is read: a large Keras file must not load only to find OUT unwritable.
            OutputPath.Check(outputPath, "OUT");

            Sequential model = ModelFile.Load(inputPath, InputShapeArgument.Parse(parse.GetValue(inputShape)));
            string format;
            if (extension == ".onnx")
            {
                OutputPath.Write(outputPath, "the ONNX file", () => model.ExportOnnx(outputPath));
                format = "ONNX opset 17";
            }
            else
            {
                OutputPath.Write(outputPath, "the model", () => model.Save(outputPath));
                format = extension == ".keras" ? "Keras 3 .keras" : "LogitNet";
            }

            Console.WriteLine(
                $"Wrote {outputPath} ({format}): {model.Layers.Count} layers, {model.Parameters.Sum(p => (long)p.Value.Length):N0} parameters, input [N, {string.Join(", ", model.Layers[0].InputShape)}]{(model.Loss is null ? ", not compiled" : $", compiled with {model.Loss.GetType().Name}")}.");
            foreach (string note in model.LoadNotes)
            {
                Console.WriteLine($"Note: {note}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
