using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace LogitNet.Benchmarks;

/// <summary>
/// <c>-- --handoff</c>: how long one cache line takes to travel from one core to the other, two threads passing a
/// counter back and forth (median of five trials of 200,000 round trips), so a benchmark run can say which phase of
/// the host it ran in.
/// </summary>
/// <remarks>
/// Measured on the 2-vCPU Zen 5 VM (session 19): the handoff took 220–248 ns for minutes at a time, the cost of a line
/// crossing between core complexes. In the same hour ONNX Runtime predicted one MNIST-convnet image in 21–22 µs in some
/// runs and 34 µs in others, and LogitNet in 26 and 34–36 µs: work split finely between the two cores pays only when
/// lines move between them quickly, so ratios at small batches follow the host's placement of the two vCPUs.
/// </remarks>
internal static class HandoffProbe
{
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct PaddedCounter
    {
        [FieldOffset(128)]
        public long Value;
    }

    private static PaddedCounter s_counter;

    public static void Run()
    {
        const int roundTrips = 200_000;
        var trials = new List<double>();
        for (int trial = 0; trial < 5; trial++)
        {
            s_counter.Value = 0;
            var other = new Thread(() => Answer(1, roundTrips));
            other.Start();
            long start = Stopwatch.GetTimestamp();
            Answer(0, roundTrips);
            while (Volatile.Read(ref s_counter.Value) != 2L * roundTrips)
            {
            }

            trials.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / (2.0 * roundTrips));
            other.Join();
        }

        trials.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cache-line handoff between two threads: {trials[2]:F0} ns one way (median of 5; {trials[0]:F0}–{trials[4]:F0})"));
    }

    /// <summary>Waits for the counter to reach each value of this thread's parity and passes it on.</summary>
    private static void Answer(long parity, int roundTrips)
    {
        for (long value = parity; value < 2L * roundTrips; value += 2)
        {
            while (Volatile.Read(ref s_counter.Value) != value)
            {
            }

            Volatile.Write(ref s_counter.Value, value + 1);
        }
    }
}
