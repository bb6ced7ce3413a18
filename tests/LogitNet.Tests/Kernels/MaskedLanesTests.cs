using System.Runtime.Intrinsics;

namespace LogitNet.Tests.Kernels;

/// <summary>
/// The lane-by-lane masked load and store that the 128- and 256-bit GEMM kernels use where there is
/// no AVX (Arm): selected lanes only, and no memory touched past them.
/// </summary>
public unsafe class MaskedLanesTests
{
    [Fact]
    public void LoadAndStore_TouchOnlyTheSelectedLanes()
    {
        float[] source = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f];
        for (int count = 0; count <= 8; count++)
        {
            Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
            float[] target = Enumerable.Repeat(-1f, 8).ToArray();
            fixed (float* from = source, to = target)
            {
                Vector256<float> loaded = LogitNet.Kernels.MaskedLanes.Load(from, mask);
                LogitNet.Kernels.MaskedLanes.Store(to, loaded * 10f, mask);
                for (int i = 0; i < 8; i++)
                {
                    Assert.Equal(i < count ? source[i] : 0f, loaded.GetElement(i));
                    Assert.Equal(i < count ? source[i] * 10f : -1f, target[i]);
                }
            }
        }
    }

    [Fact]
    public void Load_OfNoLanes_ReadsNothing()
    {
        Vector128<float> none = Vector128<float>.Zero;
        Vector128<float> loaded = LogitNet.Kernels.MaskedLanes.Load((float*)0, none); // a read would fault
        Assert.Equal(Vector128<float>.Zero, loaded);
    }
}
