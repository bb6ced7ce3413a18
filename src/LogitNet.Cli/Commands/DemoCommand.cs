using System.CommandLine;
using LogitNet.Cli.Demos;

namespace LogitNet.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var roundoff = new Command("roundoff",
            """
            Rounding error with numbers: 2/10000 against 1 + 1/10000 - (1 - 1/10000) in float32 and float64, then the two-step
            loss (sigmoid or softmax first, then -log p, in float32) against LogitNet's fused loss from logits on a sweep of
            logits z = 1 ... 10000, each against an exact reference.

            Examples:
              logitnet demo roundoff
            """);
        roundoff.SetAction(_ =>
        {
            RoundoffDemo.Run();
            return ExitCodes.Success;
        });

        var epochs = new Option<int>("--epochs") { Description = "Epochs for each of the two models.", DefaultValueFactory = _ => 20 };
        var seed = new Option<long>("--seed") { Description = "Seed of the blobs, the split and the initial weights.", DefaultValueFactory = _ => 0 };
        var softmaxLab = new Command("softmax-lab",
            """
            Four Gaussian blobs classified twice: a softmax output with fromLogits: false, and a linear output (logits) with
            fromLogits: true. Prints both test accuracies and, for a few test points, the logits and the softmax probabilities.

            Examples:
              logitnet demo softmax-lab
              logitnet demo softmax-lab --epochs 50 --seed 3
            """);
        softmaxLab.Options.Add(epochs);
        softmaxLab.Options.Add(seed);
        softmaxLab.SetAction(parse =>
        {
            int epochCount = parse.GetValue(epochs);
            if (epochCount < 1)
            {
                throw new UsageException($"--epochs {epochCount}: expected at least 1");
            }

            SoftmaxLab.Run(epochCount, parse.GetValue(seed));
            return ExitCodes.Success;
        });

        var command = new Command("demo",
            """
            Demonstrations of why losses are computed from logits.

            Examples:
              logitnet demo roundoff
              logitnet demo softmax-lab
            """);
        command.Subcommands.Add(roundoff);
        command.Subcommands.Add(softmaxLab);
        return command;
    }
}
