using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LogitNet.Cli;

/// <summary>
/// Help that ends with the command's examples. Commands write their examples after an
/// "Examples:" line in their description; they are moved here so command lists show only the
/// description, and each command's --help shows the examples last.
/// </summary>
internal sealed class HelpWithExamples : SynchronousCommandLineAction
{
    private const string Marker = "Examples:";
    private readonly HelpAction _inner;
    private readonly Dictionary<Command, string> _examples = [];

    private HelpWithExamples(HelpAction inner) => _inner = inner;

    public override bool ClearsParseErrors => true;

    public static void Install(RootCommand root)
    {
        HelpOption option = root.Options.OfType<HelpOption>().First();
        var action = new HelpWithExamples((HelpAction)option.Action!);
        var pending = new Stack<Command>([root]);
        while (pending.TryPop(out Command? command))
        {
            string description = command.Description ?? "";
            int at = description.IndexOf("\n" + Marker + "\n", StringComparison.Ordinal);
            if (at >= 0)
            {
                command.Description = description[..at].TrimEnd();
                action._examples[command] = description[(at + Marker.Length + 2)..].TrimEnd();
            }

            foreach (Command sub in command.Subcommands)
            {
                pending.Push(sub);
            }
        }

        option.Action = action;
    }

    public override int Invoke(ParseResult parseResult)
    {
        int result = _inner.Invoke(parseResult);
        if (_examples.TryGetValue(parseResult.CommandResult.Command, out string? examples))
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(Marker);
            output.WriteLine(examples);
            output.WriteLine();
        }

        return result;
    }
}
