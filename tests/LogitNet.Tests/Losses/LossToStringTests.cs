using System.Globalization;
using LogitNet.Losses;

namespace LogitNet.Tests.Losses;

public class LossToStringTests
{
    [Fact]
    public void ToString_SpellsOptionsAsCode_WhateverTheCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            // The tests run in invariant-globalization mode, so build a culture with a decimal comma by hand.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1, reduction: SumOverBatchSize)",
                new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1f).ToString());
            Assert.Contains("fromLogits: false", new SparseCategoricalCrossentropy().ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
