using LogitNet.Callbacks;

namespace LogitNet.Tests.Callbacks;

/// <summary>The monitoring callbacks refuse bad arguments when made, naming them and the value received.</summary>
public sealed class CallbackArgumentTests
{
    [Fact]
    public void AnUndefinedMonitorMode_IsRefused_NotTakenAsAuto()
    {
        var mode = (MonitorMode)7;
        foreach (Func<Callback> make in new Func<Callback>[]
        {
            () => new EarlyStopping(mode: mode),
            () => new ReduceLROnPlateau(mode: mode),
            () => new ModelCheckpoint("best.logitnet", mode: mode),
        })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(make);
            Assert.Equal("mode", error.ParamName);
            Assert.Equal(mode, error.ActualValue);
        }
    }

    [Theory]
    [InlineData(-1f, 0f, "minDelta", -1f)]
    [InlineData(0f, float.NaN, "minLearningRate", float.NaN)]
    public void ReduceLROnPlateau_NegativeOrNaNFloors_AreRefusedWithTheirValue(float minDelta, float minLearningRate, string name, float value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(minDelta: minDelta, minLearningRate: minLearningRate));
        Assert.Equal(name, error.ParamName);
        Assert.Equal(value, error.ActualValue);
    }
}
