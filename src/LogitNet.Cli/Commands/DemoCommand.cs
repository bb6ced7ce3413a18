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

        var command = new Command("demo",
            """
            Demonstrations of why losses are computed from logits.

            Examples:
              logitnet demo roundoff
            """);
        command.Subcommands.Add(roundoff);
        return command;
    }
}
