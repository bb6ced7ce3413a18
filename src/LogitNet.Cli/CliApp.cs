using System.CommandLine;
using System.CommandLine.Help;
using LogitNet.Cli.Commands;
using LogitNet.Data;
using Spectre.Console;

namespace LogitNet.Cli;

/// <summary>Builds the command tree and maps outcomes to exit codes and one-line errors.</summary>
internal static class CliApp
{
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print the full exception (stack trace included) when a command fails.",
        Recursive = true,
    };

    public static int Run(string[] args)
    {
        ConfigureConsole();
        RootCommand root = BuildRoot();
        if (args.Length == 0)
        {
            // Nothing asked: show what there is, as a usage error.
            root.Parse(["--help"]).Invoke();
            return ExitCodes.Usage;
        }

        ParseResult parse = root.Parse(args);
        bool verbose = parse.GetValue(Verbose);
        if (parse.Errors.Count > 0 && parse.Action is not HelpWithExamples)
        {
            string command = parse.CommandResult.Command is RootCommand ? "logitnet" : "logitnet " + CommandPath(parse);
            // An unrecognized token explains more than the "required command was not provided" it causes.
            System.CommandLine.Parsing.ParseError error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            Console.Error.WriteLine($"logitnet: {error.Message} (see '{command} --help')");
            return ExitCodes.Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            (int code, string message) = Describe(e);
            Console.Out.Flush();
            Console.Error.WriteLine(verbose ? $"logitnet: {message}{Environment.NewLine}{e}" : $"logitnet: {message}");
            return code;
        }
    }

    /// <summary>Tables without colour codes when the output goes to a file or a pipe.</summary>
    private static void ConfigureConsole()
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });

            // Wide enough for the demo and audit tables in a file or a pipe.
            AnsiConsole.Console.Profile.Width = 160;
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? result = parse.CommandResult; result is System.CommandLine.Parsing.CommandResult c && c.Command is not RootCommand; result = result.Parent)
        {
            names.Insert(0, c.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static (int Code, string Message) Describe(Exception e) => e switch
    {
        UsageException => (ExitCodes.Usage, e.Message),
        FileNotFoundException f => (ExitCodes.Failure, $"file not found: {f.FileName ?? f.Message}"),
        DirectoryNotFoundException => (ExitCodes.Failure, e.Message),
        DataFormatException => (ExitCodes.Failure, OneLine(e.Message)),
        NotSupportedException => (ExitCodes.Failure, OneLine(e.Message)),
        TrainingDivergedException => (ExitCodes.Failure, OneLine(e.Message)),
        CliFailureException => (ExitCodes.Failure, OneLine(e.Message)),
        IOException or UnauthorizedAccessException => (ExitCodes.Failure, OneLine(e.Message)),
        ArgumentException or InvalidOperationException => (ExitCodes.Failure, OneLine(e.Message)),
        _ => (ExitCodes.Failure, $"unexpected {e.GetType().Name}: {OneLine(e.Message)} (run with --verbose for details)"),
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            """
            LogitNet: train, evaluate and inspect classifiers whose losses are computed from logits, exactly.

            Examples:
              logitnet train                                  the digits model, test accuracy printed
              logitnet train --dataset mnist --epochs 10 --output mnist.logitnet
              logitnet evaluate mnist.logitnet --dataset mnist
              logitnet predict mnist.logitnet --input images.npy --top-k 3
              logitnet export-onnx mnist.logitnet mnist.onnx
              logitnet serve mnist.logitnet --port 8501
              logitnet demo roundoff
              logitnet audit
            """);
        root.Options.Add(Verbose);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(ExportOnnxCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        HelpWithExamples.Install(root);
        return root;
    }
}
