using System.CommandLine;
using LogitNet.Cli.Training;

namespace LogitNet.Cli.Commands;

internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A model saved by 'logitnet train --output' (or Sequential.Save), or a Keras .keras/.h5 file." };
        Option<string?> inputShape = InputShapeArgument.Create();
        var command = new Command("summary",
            """
            Print a saved model's layers, output shapes and parameter counts, how it was compiled, and its class names.

            Examples:
              logitnet summary digits.logitnet
              logitnet summary model.h5
              logitnet summary text_classifier.keras --input-shape 250
            """);
        command.Arguments.Add(model);
        command.Options.Add(inputShape);
        command.SetAction(parse =>
        {
            Sequential loaded = ModelFile.Load(parse.GetValue(model)!, InputShapeArgument.Parse(parse.GetValue(inputShape)));
            Console.WriteLine(loaded.SummaryText());
            if (loaded.Loss is not null)
            {
                Console.WriteLine($" Loss: {loaded.Loss}");
                Console.WriteLine($" Optimizer: {loaded.Optimizer?.GetType().Name}");
            }

            if (loaded.ClassNames is { } names)
            {
                Console.WriteLine($" Classes: {ClassNaming.Text(names)}");
            }

            foreach (string note in loaded.LoadNotes)
            {
                Console.WriteLine($" Note: {note}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
