namespace LogitNet.Cli.Audit;

/// <summary>One operation's outcome: cases run, worst error in ulps, how many beyond the bar or non-finite, cases left out, and the worst input.</summary>
internal sealed record AuditResult(string Operation, int Cases, double Worst, int AboveBar, int NonFinite, int Skipped, string WorstCase);
