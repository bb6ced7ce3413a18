using System.CommandLine;
using LogitNet.Cli.Training;

namespace LogitNet.Cli.Commands;

internal static class ExportOnnxCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model saved by 'logitnet train --output' (or Sequential.Save), or a Keras .keras/.h5 file." };
        var output = new Argument<string>("OUTPUT") { Description = "The ONNX file to write, such as digits.onnx (replaced if it exists)." };
        Option<string?> inputShape = InputShapeArgument.Create();
        var command = new Command("export-onnx",
            """
            Write a saved model as an ONNX file (opset 17) for ONNX Runtime and other ONNX tools: input 'input',
            float32 [N, ...sample shape]; output 'output', what the model's Predict returns (logits for a model
            trained from logits). The class names are written as metadata 'class_names'.

            Examples:
              logitnet export-onnx digits.logitnet digits.onnx
              logitnet export-onnx model.keras model.onnx
            """);
        command.Arguments.Add(model);
        command.Arguments.Add(output);
        command.Options.Add(inputShape);
        command.SetAction(parse =>
        {
            string modelPath = parse.GetValue(model)!, outputPath = parse.GetValue(output)!;
            if (OutputPath.IsSameFile(modelPath, outputPath))
            {
                throw new UsageException($"OUTPUT '{outputPath}' is the model file itself; give the ONNX file another name, such as model.onnx.");
            }

            OutputPath.Check(outputPath, "OUTPUT");
            Sequential loaded = ModelFile.Load(modelPath, InputShapeArgument.Parse(parse.GetValue(inputShape)));
            OutputPath.Write(outputPath, "the ONNX file", () => loaded.ExportOnnx(outputPath));
            string features = string.Join(", ", loaded.Layers[0].InputShape);
            int outputs = loaded.Layers[^1].OutputShape[^1];
            string classes = loaded.ClassNames is { } names ? $", classes {ClassNaming.Text(names)}" : "";
            Console.WriteLine($"Wrote {outputPath}: ONNX opset 17, input 'input' float32 [N, {features}], output 'output' [N, {outputs}]{classes} ({new FileInfo(outputPath).Length:N0} bytes).");
            return ExitCodes.Success;
        });
        return command;
    }
}
