using System.Diagnostics;
using System.Reflection;
using LogitNet.Tests;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

// Runs LogitNet.Tests' facts and theories in this process, one after another, by reflection: the runner for a build
// whose test host `dotnet test` cannot start (an arm64 build under qemu-user, tests/arm64.sh). It covers what the
// test project uses: [Fact] and [Theory] with any xunit data attribute, a constructor taking nothing or an
// ITestOutputHelper, IDisposable, and Task-returning tests. Arguments: name filters (a test runs when its
// full name contains any of them; none: all), -NAME to leave out the tests whose names contain NAME, and --verbose
// (a failure's whole exception). Exit code: the number of failed tests, capped at 100; 1 when no test ran.
bool verbose = args.Contains("--verbose");
var excludes = args.Where(a => a.StartsWith('-') && a != "--verbose").Select(a => a[1..]).ToArray();
var filters = args.Where(a => !a.StartsWith('-')).ToArray();
var assembly = typeof(ProcessWideSettingsCollection).Assembly;
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
int passed = 0, failed = 0, skipped = 0;
var clock = Stopwatch.StartNew();
foreach (var type in assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.IsPublic).OrderBy(t => t.FullName, StringComparer.Ordinal))
{
    foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).OrderBy(m => m.Name, StringComparer.Ordinal))
    {
        var fact = method.GetCustomAttribute<FactAttribute>();
        if (fact is null)
        {
            continue;
        }

        string name = $"{type.FullName}.{method.Name}";
        if (filters.Length > 0 && !filters.Any(f => name.Contains(f, StringComparison.Ordinal)))
        {
            continue;
        }

        if (fact.Skip is not null || excludes.Any(f => name.Contains(f, StringComparison.Ordinal)))
        {
            skipped++;
            continue;
        }

        if (fact.GetType() != typeof(FactAttribute) && fact.GetType() != typeof(TheoryAttribute))
        {
            // A fact kind with its own discoverer (FsCheck's [Property], a skippable fact): counted as a failure, so that
            // a test this runner cannot run never leaves the Arm64 pass green without it.
            failed++;
            Console.WriteLine($"FAIL {name}: [{fact.GetType().Name}] is not a fact kind this runner can run; teach it this kind");
            continue;
        }

        List<object?[]> cases;
        try
        {
            cases = fact is TheoryAttribute
                ? method.GetCustomAttributes<DataAttribute>().SelectMany(data => data.GetData(method)).Select(row => row ?? []).ToList()
                : [[]];
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL {name}: its data could not be read\n     {e.GetType().Name}: {e.Message}");
            continue;
        }

        if (cases.Count == 0)
        {
            // As xunit: a theory without data is a failure ("No data found"), not a test that passed by running nothing.
            failed++;
            Console.WriteLine($"FAIL {name}: a theory with no data");
            continue;
        }

        foreach (var arguments in cases)
        {
            string label = arguments.Length == 0 ? name : $"{name}({string.Join(", ", arguments.Select(Show))})";
            try
            {
                Run(type, method, arguments);
                passed++;
            }
            catch (Exception e)
            {
                failed++;
                var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                Console.WriteLine(verbose ? $"FAIL {label}\n{cause}" : $"FAIL {label}\n     {cause.GetType().Name}: {cause.Message.Split('\n')[0]}");
            }
        }
    }
}

Console.WriteLine($"passed {passed}, failed {failed}, skipped {skipped} ({clock.Elapsed.TotalSeconds:F0} s)");
if (passed == 0 && failed == 0)
{
    Console.WriteLine("No test ran: check the filters.");
    return 1;
}

return Math.Min(failed, 100);

static void Run(Type type, MethodInfo method, object?[] arguments)
{
    object? instance = null;
    if (!method.IsStatic)
    {
        var constructor = type.GetConstructors().Single();
        instance = constructor.Invoke(constructor.GetParameters()
            .Select(p => p.ParameterType == typeof(ITestOutputHelper)
                ? new SilentOutput()
                : throw new NotSupportedException($"{type.Name}'s constructor takes a {p.ParameterType.Name}; this runner gives only an ITestOutputHelper (xunit fixtures are not supported)."))
            .ToArray<object>());
    }

    try
    {
        var parameters = method.GetParameters();
        if (arguments.Length > parameters.Length)
        {
            throw new ArgumentException($"{arguments.Length} values for {parameters.Length} parameters (xunit refuses the row too).");
        }

        var converted = parameters.Select((p, i) => Convert(i < arguments.Length ? arguments[i] : p.DefaultValue, p.ParameterType)).ToArray();
        var result = method.Invoke(instance, converted);
        if (result is Task task)
        {
            task.GetAwaiter().GetResult();
        }
        else if (result is ValueTask valueTask)
        {
            valueTask.GetAwaiter().GetResult();
        }
    }
    finally
    {
        (instance as IDisposable)?.Dispose();
    }
}

// xunit's own conversions of inline data that the tests rely on: numbers to the parameter's numeric type, ints to enums.
static object? Convert(object? value, Type target)
{
    if (value is null || target.IsInstanceOfType(value))
    {
        return value;
    }

    var underlying = Nullable.GetUnderlyingType(target) ?? target;
    return underlying.IsEnum
        ? Enum.ToObject(underlying, value)
        : System.Convert.ChangeType(value, underlying, System.Globalization.CultureInfo.InvariantCulture);
}

static string Show(object? value) => value switch
{
    null => "null",
    string s => $"\"{s}\"",
    Array a => $"[{a.Length}]",
    _ => System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
};

/// <summary>Output the tests write for a human reading `dotnet test`'s log; this runner prints only failures.</summary>
internal sealed class SilentOutput : ITestOutputHelper
{
    public void WriteLine(string message)
    {
    }

    public void WriteLine(string format, params object[] args)
    {
    }
}
