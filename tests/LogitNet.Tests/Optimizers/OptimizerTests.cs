using LogitNet.Optimizers;

namespace LogitNet.Tests.Optimizers;

public class OptimizerTests
{
    // Keras's optimizer tests use weights [1, 2, 3, 4] and gradients [1, 6, 7, 2].
    private static Parameter KerasParameter()
    {
        var parameter = new Parameter("w", Tensor.FromArray([1f, 2f, 3f, 4f], 4));
        Tensor.FromArray([1f, 6f, 7f, 2f], 4).AsSpan().CopyTo(parameter.Gradient.AsSpan());
        return parameter;
    }

    [Fact]
    public void SGD_SingleStep_MatchesKeras()
    {
        Parameter w = KerasParameter();
        new SGD(learningRate: 0.5f).Apply([w]);
        Assert.Equal([0.5f, -1f, -0.5f, 3f], w.Value.ToArray());
    }

    [Fact]
    public void Adam_SingleStep_MatchesKeras()
    {
        Parameter w = KerasParameter();
        new Adam(learningRate: 0.5f).Apply([w]);
        float[] expected = [0.5f, 1.5f, 2.5f, 3.5f];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], w.Value[i], 1e-4f);
        }
    }

    [Fact]
    public void Adamax_And_Adadelta_FirstStep_MatchKerasByHand()
    {
        // Adamax's first step: m = 0.1·g, u = |g|, w −= lr·0.1·g / (0.1·(|g| + ε)) ≈ lr·sign(g).
        Parameter w = KerasParameter();
        new Adamax(learningRate: 0.5f).Apply([w]);
        float[] expected = [0.5f, 1.5f, 2.5f, 3.5f];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], w.Value[i], 1e-5f);
        }

        // Adadelta's first step: E[g²] = (1 − ρ)g², Δ = −√ε·g / √((1 − ρ)g² + ε): tiny, as Keras's is with lr 0.001.
        var single = new Parameter("w", Tensor.FromArray([1f], 1));
        single.Gradient[0] = 2f;
        new Adadelta(learningRate: 1f).Apply([single]);
        Assert.Equal(1 - Math.Sqrt(1e-7) * 2 / Math.Sqrt(0.05 * 4 + 1e-7), single.Value[0], 1e-7);
    }

    [Fact]
    public void RMSprop_SingleStep_MatchesDocumentedExample()
    {
        var w = new Parameter("w", Tensor.FromArray([1f], 1));
        w.Gradient[0] = 2f;
        new RMSprop(learningRate: 0.1f, rho: 0.9f).Apply([w]);
        Assert.Equal(1 - 0.1 * 2 / Math.Sqrt(0.4 + 1e-7), w.Value[0], 1e-6);
    }

    public static TheoryData<string> AllOptimizers() =>
        ["sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered-momentum", "adamax", "adadelta"];

    // The update rules written out in double precision, step by step, as published (Keras 3's
    // optimizers): the float kernels, vectorised with a scalar tail, must follow them to float accuracy.
    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Updates_FollowTheRuleInDouble_OverManySteps_AcrossVectorAndTail(string name)
    {
        const int Length = 37; // not a multiple of any vector width: exercises the scalar tail
        const int Steps = 25;
        var parameter = new Parameter("w", Tensor.RandomNormal([Length], 0f, 1f, seed: 1));
        double[] w = parameter.Value.ToArray().Select(v => (double)v).ToArray();
        double[] s1 = new double[Length], s2 = new double[Length], s3 = new double[Length];
        Optimizer optimizer = Create(name);
        for (int t = 1; t <= Steps; t++)
        {
            Tensor g = Tensor.RandomNormal([Length], 0f, 1f, seed: 100 + t);
            g.AsSpan().CopyTo(parameter.Gradient.AsSpan());
            optimizer.Apply([parameter]);
            for (int i = 0; i < Length; i++)
            {
                ReferenceStep(name, t, ref w[i], g[i], ref s1[i], ref s2[i], ref s3[i]);
            }
        }

        for (int i = 0; i < Length; i++)
        {
            Assert.True(Math.Abs(parameter.Value[i] - w[i]) <= 1e-4 * Math.Max(1, Math.Abs(w[i])),
                $"{name}, element {i}: float {parameter.Value[i]}, double reference {w[i]}");
        }

        Assert.Equal(Steps, optimizer.Iterations);
    }

    /// <summary>
    /// Adam's and RMSprop's updates run on the widest vectors the CPU has, then element by element:
    /// every element must get the bits of the same formula in scalar float arithmetic, whichever
    /// loop it falls in (61 elements: whole vectors and a tail on every width; CI runs this with
    /// AVX-512 off and with hardware intrinsics off too).
    /// </summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("rmsprop")]
    [InlineData("rmsprop-centered-momentum")]
    [InlineData("sgd-momentum")]
    [InlineData("sgd-nesterov")]
    [InlineData("rmsprop-momentum")]
    public void Update_EveryVectorWidthAndTheTail_GiveTheScalarBits(string name)
    {
        const int Length = 61;
        var parameter = new Parameter("w", Tensor.RandomNormal([Length], 0f, 1f, seed: 3));
        float[] w = parameter.Value.ToArray(), s1 = new float[Length], s2 = new float[Length], s3 = new float[Length];
        // The same steps without the flush: where the two disagree, a flush happened.
        float[] wPlain = (float[])w.Clone(), p1 = new float[Length], p2 = new float[Length], p3 = new float[Length];
        int flushes = 0;
        Optimizer optimizer = Create(name);
        for (int t = 1; t <= 5; t++)
        {
            float[] g = Tensor.RandomNormal([Length], 0f, 1f, seed: 200 + t).ToArray();
            g[t] = 0f;
            // Elements whose gradient is always tiny, in vector lanes and the tail, so that some state of
            // every optimizer lands on either side of the flush's threshold, 2^-100 ≈ 7.9e-31: 0.1·g (Adam's m,
            // SGD's velocity) at 7.9e-30, 0.001·g² (Adam's v) at 2.8e-14, 0.1·g² (RMSprop's s) at 8.9e-15, 0.2·g
            // (the centered average) at 3.9e-30, RMSprop's momentum (about 33·g) at 2.4e-32; and near the
            // smallest normal, 2^-126, as before the threshold moved: 1e-37, 3e-18, 3e-19, 5e-38, 3e-40; 1e-45
            // the smallest subnormal.
            float[] tiny = [1e-37f, 7.9e-30f, 3e-18f, 2.8e-14f, 3e-19f, 8.9e-15f, 5e-38f, 3.9e-30f, 3e-40f, 2.4e-32f, 1e-45f, 7.88860905E-30f, 1.17549435E-37f];
            int[] at = [5, 12, 19, 26, 33, 40, 47, 54, 56, 57, 58, 59, 60];
            for (int j = 0; j < at.Length; j++)
            {
                g[at[j]] = (j % 2 == 0 ? 1 : -1) * tiny[j] * t;
            }

            g.AsSpan().CopyTo(parameter.Gradient.AsSpan());
            optimizer.Apply([parameter]);
            for (int i = 0; i < Length; i++)
            {
                FloatStep(name, t, ref w[i], g[i], ref s1[i], ref s2[i], ref s3[i]);
                FloatStep(name, t, ref wPlain[i], g[i], ref p1[i], ref p2[i], ref p3[i], flush: false);
                flushes += (s1[i] != p1[i] ? 1 : 0) + (s2[i] != p2[i] ? 1 : 0) + (s3[i] != p3[i] ? 1 : 0);
            }

            for (int i = 0; i < Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(parameter.Value[i]),
                    $"{name}, step {t}, element {i}: expected {w[i]:R}, got {parameter.Value[i]:R}");
            }

            // The state too: a flushed moment changes no weight's bits here, only the state's.
            foreach ((string slot, Tensor[] values) in optimizer.Slots)
            {
                float[] expected = (name, slot) switch
                {
                    ("rmsprop-centered-momentum" or "rmsprop-momentum", "momentum") => s3,
                    ("rmsprop-centered-momentum", "average_gradient") => s2,
                    (_, "velocity") when name.StartsWith("adam", StringComparison.Ordinal) => s2,
                    _ => s1,
                };
                for (int i = 0; i < Length; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(values[0][i]),
                        $"{name}, step {t}, {slot}[{i}]: expected {expected[i]:R}, got {values[0][i]:R}");
                }
            }
        }

        Assert.True(flushes > 0, $"{name}: no state was flushed, so the comparison above did not cover the flush");
    }

    /// <summary>The settings of <see cref="Create"/>, in the float operations and order the kernels use.</summary>
    private static void FloatStep(string name, int t, ref float w, float g, ref float s1, ref float s2, ref float s3, bool flush = true)
    {
        float Flush(float x) => flush ? OptimizerTests.Flush(x) : x;

        switch (name)
        {
            case "adam":
            case "adamw":
                const float Rate = 0.01f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f;
                float alpha = (float)(Rate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t)));
                s1 = Flush(s1 + (g - s1) * (1 - Beta1));
                s2 = Flush(s2 + (g * g - s2) * (1 - Beta2));
                if (name == "adamw")
                {
                    // Keras's decay step, variable - variable * wd * lr (left to right); plain Adam has none.
                    w -= w * 0.1f * Rate;
                }

                w -= alpha * s1 / (MathF.Sqrt(s2) + Epsilon);
                break;
            case "rmsprop":
                s1 = Flush(0.9f * s1 + (1 - 0.9f) * g * g);
                w -= 0.01f * g / MathF.Sqrt(s1 + 1e-7f);
                break;
            case "rmsprop-momentum":
                s1 = Flush(0.9f * s1 + (1 - 0.9f) * g * g);
                s3 = Flush(0.9f * s3 + 0.01f * g / MathF.Sqrt(s1 + 1e-7f));
                w -= s3;
                break;
            case "rmsprop-centered-momentum":
                s1 = Flush(0.8f * s1 + (1 - 0.8f) * g * g);
                s2 = Flush(0.8f * s2 + (1 - 0.8f) * g);
                s3 = Flush(0.5f * s3 + 0.01f * g / MathF.Sqrt(s1 - s2 * s2 + 1e-7f));
                w -= s3;
                break;
            case "sgd-momentum":
            case "sgd-nesterov":
                float step = 0.1f * g;
                s1 = Flush(0.9f * s1 - step);
                w = name == "sgd-nesterov" ? w + (0.9f * s1 - step) : w + s1;
                break;
        }
    }

    /// <summary>What the optimizers of <see cref="Create"/> (every one with an epsilon above 0) do to their state: below 2^-100 in magnitude (subnormals included), a zero of its sign.</summary>
    private static float Flush(float x) => MathF.Abs(x) < 7.88860905E-31f ? MathF.CopySign(0f, x) : x;

    /// <summary>
    /// A parameter whose gradient turns zero (a dead ReLU unit) has its state decay towards zero; in
    /// plain float arithmetic the smallest subnormals are fixed points (0.9·m rounds back to m), so the
    /// state would stay subnormal for ever and slow every step. The optimizers flush it: after enough
    /// zero-gradient steps every state element is zero, none subnormal (this fails without the flush
    /// for every optimizer here; RMSprop's momentum needs μ = 0.9, since 0.5·m rounds to zero anyway).
    /// </summary>
    [Theory]
    [MemberData(nameof(VectorOptimizersWithState))]
    public void State_OfAParameterWhoseGradientTurnsZero_EndsAtZero_NotStuckSubnormal(string name)
    {
        const int Length = 37;
        var parameter = new Parameter("w", Tensor.RandomNormal([Length], 0f, 1f, seed: 4));
        float[] first = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            // Small gradients, so the state reaches the subnormal range within the steps below
            // (β2 = 0.999 would take tens of thousands of steps from an ordinary gradient).
            first[i] = (i % 2 == 0 ? 1 : -1) * (1e-19f + i * 1e-21f);
        }

        Optimizer optimizer = Create(name);
        first.AsSpan().CopyTo(parameter.Gradient.AsSpan());
        optimizer.Apply([parameter]);
        parameter.Gradient.AsSpan().Clear();
        for (int t = 0; t < 400; t++)
        {
            optimizer.Apply([parameter]);
        }

        // Every state is zero by now when flushed (the first moments within about 400 steps; g² of these
        // gradients is already subnormal). Without the flush some stay subnormal: step on, bounded, and fail.
        for (int t = 0; t < 60_000 && optimizer.Slots.Any(slot => slot.Values[0].ToArray().Any(v => v != 0)); t++)
        {
            optimizer.Apply([parameter]);
        }

        foreach ((string slot, Tensor[] values) in optimizer.Slots)
        {
            float[] state = values[0].ToArray();
            for (int i = 0; i < Length; i++)
            {
                Assert.False(float.IsSubnormal(state[i]), $"{name}, {slot}[{i}] = {state[i]:R} is subnormal");
                Assert.True(state[i] == 0, $"{name}, {slot}[{i}] = {state[i]:R} after the gradient turned zero");
            }
        }

        Assert.True(parameter.Value.ToArray().All(float.IsFinite));
    }

    /// <summary>
    /// The flush's purpose: a decaying state never reaches the range where the update's products of it
    /// are subnormal, which x86 CPUs compute slowly. Every stored value, after every step of a gradient
    /// that turned zero, is zero or at least 2^-100, so that even the smallest factor here (1 − β2 = 0.001)
    /// keeps its product normal. Fails with the flush at the smallest normal, 2^-126, as before.
    /// </summary>
    [Theory]
    [MemberData(nameof(VectorOptimizersWithState))]
    [InlineData("adamax")]
    [InlineData("adadelta")]
    public void DecayingState_IsFlushedBeforeItsProductsTurnSubnormal(string name)
    {
        const int Length = 37;
        var parameter = new Parameter("w", Tensor.RandomNormal([Length], 0f, 1f, seed: 5));
        Optimizer optimizer = Create(name);
        for (int i = 0; i < Length; i++)
        {
            // Small enough that every state passes through 2^-100 within the steps below.
            parameter.Gradient[i] = (i % 2 == 0 ? 1 : -1) * (3e-14f + i * 1e-16f);
        }

        optimizer.Apply([parameter]);
        parameter.Gradient.AsSpan().Clear();
        int steps = 0, nonZeroSeen = 0;
        for (; steps < 60_000; steps++)
        {
            bool anyLeft = false;
            foreach ((string slot, Tensor[] values) in optimizer.Slots)
            {
                foreach (float state in values[0].AsSpan())
                {
                    if (state == 0)
                    {
                        continue;
                    }

                    anyLeft = true;
                    nonZeroSeen++;
                    Assert.True(MathF.Abs(state) >= 7.88860905E-31f && !float.IsSubnormal(state * 1e-3f),
                        $"{name}, {slot}: {state:R} after {steps} zero-gradient steps; its product with 0.001 is {state * 1e-3f:R}");
                }
            }

            if (!anyLeft)
            {
                break;
            }

            optimizer.Apply([parameter]);
        }

        Assert.True(steps < 60_000, $"{name}: state still not zero after {steps} zero-gradient steps");
        Assert.True(nonZeroSeen > 0, $"{name}: no state to check");
    }

    /// <summary>The optimizers of <see cref="Create"/> that keep state and update on vectors.</summary>
    public static TheoryData<string> VectorOptimizersWithState() =>
        new("adam", "adamw", "rmsprop", "rmsprop-centered-momentum", "rmsprop-momentum", "sgd-momentum", "sgd-nesterov");

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new SGD(0.1f),
        "sgd-momentum" => new SGD(0.1f, momentum: 0.9f),
        "sgd-nesterov" => new SGD(0.1f, momentum: 0.9f, nesterov: true),
        "adam" => new Adam(0.01f),
        "adamw" => new AdamW(0.01f, weightDecay: 0.1f),
        "rmsprop" => new RMSprop(0.01f),
        "rmsprop-momentum" => new RMSprop(0.01f, rho: 0.9f, momentum: 0.9f),
        "rmsprop-centered-momentum" => new RMSprop(0.01f, rho: 0.8f, momentum: 0.5f, centered: true),
        "adamax" => new Adamax(0.01f),
        "adadelta" => new Adadelta(1f, rho: 0.9f),
        _ => throw new ArgumentException(name),
    };

    private static void ReferenceStep(string name, int t, ref double w, double g, ref double s1, ref double s2, ref double s3)
    {
        switch (name)
        {
            case "sgd":
                w -= 0.1 * g;
                break;
            case "sgd-momentum":
                s1 = 0.9 * s1 - 0.1 * g;
                w += s1;
                break;
            case "sgd-nesterov":
                s1 = 0.9 * s1 - 0.1 * g;
                w += 0.9 * s1 - 0.1 * g;
                break;
            case "adam":
            case "adamw":
                double lr = 0.01;
                if (name == "adamw")
                {
                    w -= w * 0.1 * lr;
                }

                s1 = 0.9 * s1 + 0.1 * g;
                s2 = 0.999 * s2 + 0.001 * g * g;
                double alpha = lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
                w -= alpha * s1 / (Math.Sqrt(s2) + 1e-7);
                break;
            case "rmsprop":
                s1 = 0.9 * s1 + 0.1 * g * g;
                w -= 0.01 * g / Math.Sqrt(s1 + 1e-7);
                break;
            case "rmsprop-centered-momentum":
                s1 = 0.8 * s1 + 0.2 * g * g;
                s2 = 0.8 * s2 + 0.2 * g;
                s3 = 0.5 * s3 + 0.01 * g / Math.Sqrt(s1 - s2 * s2 + 1e-7);
                w -= s3;
                break;
            case "adamax":
                // Keras 3's adamax.py: m += (g − m)(1 − β1), u = max(β2·u, |g|), w −= lr·m / ((1 − β1ᵗ)(u + ε)).
                s1 += (g - s1) * 0.1;
                s2 = Math.Max(0.999 * s2, Math.Abs(g));
                w -= 0.01 * s1 / ((1 - Math.Pow(0.9, t)) * (s2 + 1e-7));
                break;
            case "adadelta":
                // Keras 3's adadelta.py: E[g²] ← ρE[g²] + (1 − ρ)g², Δ = −√(E[Δ²] + ε)·g / √(E[g²] + ε), E[Δ²] ← ρE[Δ²] + (1 − ρ)Δ², w += lr·Δ.
                s1 = 0.9 * s1 + 0.1 * g * g;
                double delta = -Math.Sqrt(s2 + 1e-7) * g / Math.Sqrt(s1 + 1e-7);
                s2 = 0.9 * s2 + 0.1 * delta * delta;
                w += delta;
                break;
        }
    }

    /// <summary>
    /// ε = 0 is allowed; a parameter whose gradient is zero then has zero state and gets 0/0 = NaN, as in
    /// Keras (documented on the epsilon parameters, since the flush makes decayed state reach zero too).
    /// </summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    public void ZeroEpsilon_WithAZeroGradient_GivesNaN_AsKerasDoes(string name)
    {
        var parameter = new Parameter("w", Tensor.FromArray([1f, 2f], 2));
        parameter.Gradient[1] = 0.5f;
        Optimizer optimizer = name == "adam" ? new Adam(0.01f, epsilon: 0f) : new RMSprop(0.01f, epsilon: 0f);
        optimizer.Apply([parameter]);
        Assert.True(float.IsNaN(parameter.Value[0]), $"{name}: {parameter.Value[0]:R}");
        Assert.True(float.IsFinite(parameter.Value[1]), $"{name}: {parameter.Value[1]:R}");
    }

    /// <summary>
    /// With an epsilon below 2^-24, or 0, nothing bounds the division by the second moments, so the optimizer keeps its
    /// state down to the smallest normal, 2^-126, as before the flush moved to 2^-100: a steady small gradient (Adam's v
    /// about 1e-35 to 1e-37, RMSprop's average of g² about 1e-34 to 1e-35) still makes steps of about the learning rate,
    /// finite and not hundreds of times larger (v or s flushed, the division by epsilon alone), and Adadelta with
    /// epsilon 0 gets no 0/0. Adam, RMSprop and Adadelta fail with the floor at 2^-100 (Adamax's u is |g| itself here).
    /// </summary>
    [Theory]
    [InlineData("adam", 0f, 1e-17f)]
    [InlineData("adam", 1e-20f, 1e-16f)]
    [InlineData("adamax", 0f, 1e-17f)]
    [InlineData("adamax", 1e-20f, 1e-16f)]
    [InlineData("rmsprop", 0f, 1e-17f)]
    [InlineData("rmsprop", 1e-40f, 1e-17f)]            // RMSprop adds epsilon under the root: it must be below g²
    [InlineData("rmsprop-momentum", 1e-40f, 1e-17f)]
    [InlineData("adadelta", 0f, 1e-17f)]
    public void SmallEpsilon_KeepsSmallSecondMoments_SoASteadySmallGradientStepsAsUsual(string name, float epsilon, float gradient)
    {
        const float Rate = 0.01f;
        var parameter = new Parameter("w", Tensor.FromArray(Enumerable.Range(0, 37).Select(i => 1f + i).ToArray(), 37));
        Optimizer optimizer = name switch
        {
            "adam" => new Adam(Rate, epsilon: epsilon),
            "adamax" => new Adamax(Rate, epsilon: epsilon),
            "rmsprop" => new RMSprop(Rate, epsilon: epsilon),
            "rmsprop-momentum" => new RMSprop(Rate, momentum: 0.9f, epsilon: epsilon),
            _ => new Adadelta(1f, rho: 0.9f, epsilon: epsilon),
        };
        for (int step = 0; step < 30; step++)
        {
            float before = parameter.Value[0];
            parameter.Gradient.AsSpan().Fill(gradient);
            optimizer.Apply([parameter]);
            for (int i = 0; i < 37; i++)
            {
                Assert.True(float.IsFinite(parameter.Value[i]), $"{name}, epsilon {epsilon:R}, step {step}, element {i}: {parameter.Value[i]:R}");
            }

            float moved = before - parameter.Value[0];
            if (name != "adadelta" && step >= 20)
            {
                Assert.True(moved > 0.1f * Rate && moved < 20f * Rate, $"{name}, epsilon {epsilon:R}, step {step}: the weight moved by {moved:R}, not about the rate {Rate}");
            }
        }
    }

    /// <summary>
    /// Plain Adam has no weight-decay step in Keras, so a weight of −0 or ±∞ with a zero gradient keeps its bits;
    /// AdamW applies its step whenever it is configured, even at a rate of 0, as Keras does when weight_decay is
    /// set (w − w·0 is +0 for −0 and NaN for ±∞). On 21 elements: vector lanes and a scalar tail on every width.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WeightDecayStep_IsAdamWs_EvenAtZero_AndNeverPlainAdams(bool adamW)
    {
        float[] special = [-0f, float.PositiveInfinity, float.NegativeInfinity];
        float[] start = new float[21];
        for (int i = 0; i < start.Length; i++)
        {
            start[i] = special[i % special.Length];
        }

        var parameter = new Parameter("w", Tensor.FromArray((float[])start.Clone(), start.Length));
        Optimizer optimizer = adamW ? new AdamW(0.01f, weightDecay: 0f) : new Adam(0.01f);
        optimizer.Apply([parameter]);
        for (int i = 0; i < start.Length; i++)
        {
            float expected = !adamW ? start[i] : float.IsInfinity(start[i]) ? float.NaN : 0f;
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(parameter.Value[i])
                || (float.IsNaN(expected) && float.IsNaN(parameter.Value[i])),
                $"{(adamW ? "AdamW(weightDecay: 0)" : "Adam")}, element {i} from {start[i]:R}: expected {expected:R}, got {parameter.Value[i]:R}");
        }
    }

    /// <summary>
    /// AdamW's decay step rounds as Keras's <c>variable - variable * wd * lr</c> does, (w·wd)·lr, not w·(wd·lr):
    /// with a zero gradient the Adam term is +0, so each weight after one step is exactly the decay step's result.
    /// </summary>
    [Fact]
    public void AdamW_DecayStep_RoundsInKerasOrder()
    {
        const float Rate = 0.01f, Decay = 0.1f;
        var parameter = new Parameter("w", Tensor.RandomNormal([10_000], 0f, 1f, seed: 17));
        float[] start = parameter.Value.ToArray();
        new AdamW(Rate, weightDecay: Decay).Apply([parameter]);
        int orderMatters = 0;
        for (int i = 0; i < start.Length; i++)
        {
            float keras = start[i] - start[i] * Decay * Rate;
            orderMatters += keras != start[i] - start[i] * (Decay * Rate) ? 1 : 0;
            Assert.True(BitConverter.SingleToInt32Bits(keras) == BitConverter.SingleToInt32Bits(parameter.Value[i]),
                $"element {i}, w = {start[i]:R}: Keras gives {keras:R}, AdamW gave {parameter.Value[i]:R}");
        }

        Assert.True(orderMatters > 0, "no weight here rounds differently in the two orders, so the test cannot see the order");
    }

    [Fact]
    public void FrozenParameter_IsNotUpdated()
    {
        Parameter frozen = KerasParameter();
        frozen.Trainable = false;
        Parameter trained = KerasParameter();
        new SGD(0.5f).Apply([frozen, trained]);
        Assert.Equal([1f, 2f, 3f, 4f], frozen.Value.ToArray());
        Assert.Equal([0.5f, -1f, -0.5f, 3f], trained.Value.ToArray());
    }

    [Fact]
    public void ClipNorm_RescalesEachGradient()
    {
        var w = new Parameter("w", Tensor.Zeros(2));
        w.Gradient[0] = 3f;
        w.Gradient[1] = 4f; // norm 5
        new SGD(1f) { ClipNorm = 1f }.Apply([w]);
        Assert.Equal(-0.6f, w.Value[0], 1e-6f);
        Assert.Equal(-0.8f, w.Value[1], 1e-6f);
    }

    [Fact]
    public void GlobalClipNorm_RescalesAllGradientsTogether()
    {
        var a = new Parameter("a", Tensor.Zeros(1));
        var b = new Parameter("b", Tensor.Zeros(1));
        a.Gradient[0] = 3f;
        b.Gradient[0] = 4f;
        new SGD(1f) { GlobalClipNorm = 2.5f }.Apply([a, b]);
        Assert.Equal(-1.5f, a.Value[0], 1e-6f);
        Assert.Equal(-2f, b.Value[0], 1e-6f);
    }

    [Fact]
    public void Clipping_BelowTheLimit_LeavesGradients()
    {
        var w = new Parameter("w", Tensor.Zeros(2));
        w.Gradient[0] = 0.3f;
        new SGD(1f) { ClipNorm = 1f }.Apply([w]);
        Assert.Equal(-0.3f, w.Value[0]);
    }

    /// <summary>
    /// Gradients whose squares pass float.MaxValue: the norm summed in float32 was infinite and
    /// clipping scaled every gradient to zero, a lost step. Now the step has the clip norm's length.
    /// </summary>
    [Theory]
    [InlineData(1e20f)]
    [InlineData(3e38f)]
    public void Clipping_HugeGradients_GivesAStepOfTheLimitsLength_NotZero(float huge)
    {
        var a = new Parameter("a", Tensor.Zeros(3));
        var b = new Parameter("b", Tensor.Zeros(1));
        a.Gradient[0] = huge;
        a.Gradient[1] = -huge;
        a.Gradient[2] = 1f;
        b.Gradient[0] = huge;
        new SGD(1f) { GlobalClipNorm = 1f }.Apply([a, b]);
        float expected = -1f / MathF.Sqrt(3f); // three equal components of the joint norm
        Assert.Equal(expected, a.Value[0], 6);
        Assert.Equal(-expected, a.Value[1], 6);
        Assert.Equal(expected, b.Value[0], 6);

        var w = new Parameter("w", Tensor.Zeros(2));
        w.Gradient[0] = huge;
        w.Gradient[1] = huge;
        new SGD(1f) { ClipNorm = 2f }.Apply([w]);
        Assert.Equal(-MathF.Sqrt(2f), w.Value[0], 6);
    }

    [Fact]
    public void SumOfSquares_IsTheDoubleSum_ForEveryLength()
    {
        var random = new Random(7);
        for (int length = 0; length < 40; length++)
        {
            float[] values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1) * 1e10f).ToArray();
            double reference = values.Sum(v => (double)v * v);
            Assert.Equal(reference, Optimizer.SumOfSquares(values), reference * 1e-15);
        }
    }

    [Fact]
    public void NaNGradient_GivesNaNWeights_NotHidden()
    {
        var w = new Parameter("w", Tensor.Zeros(3));
        w.Gradient[1] = float.NaN;
        new Adam() { GlobalClipNorm = 1f }.Apply([w]);
        Assert.True(float.IsNaN(w.Value[1]));
    }

    [Fact]
    public void Apply_WithAnotherParameterList_SaysToUseOneOptimizerPerModel()
    {
        var optimizer = new Adam();
        optimizer.Apply([KerasParameter()]);
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.Apply([KerasParameter()]));
        Assert.Contains("one optimizer per model", error.Message);
    }

    [Fact]
    public void Apply_WhenWarm_AllocatesNothing()
    {
        Parameter[] parameters = [KerasParameter(), new Parameter("b", Tensor.Ones(1000))];
        Optimizer[] optimizers = [new SGD(0.1f, 0.9f), new Adam(), new AdamW(), new RMSprop(centered: true, momentum: 0.5f)];
        foreach (Optimizer optimizer in optimizers)
        {
            Assert.Equal(0, SteadyState.AllocatedBytes(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    optimizer.Apply(parameters);
                }
            }));
        }
    }

    [Fact]
    public void BadArguments_NameTheArgumentAndRange()
    {
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(-1f)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(0.1f, momentum: 1.5f)).ParamName);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(weightDecay: float.NaN)).ParamName);
        Assert.Equal("rho", Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop(rho: -0.1f)).ParamName);
        Assert.Equal("ClipNorm", Assert.Throws<ArgumentOutOfRangeException>(() => new SGD() { ClipNorm = 0f }).ParamName);
        Assert.Throws<InvalidOperationException>(() => new SGD() { ClipNorm = 1f, GlobalClipNorm = 1f });
        Assert.Throws<ArgumentNullException>(() => new Adam().Apply(null!));
    }

    [Fact]
    public void LearningRate_CanBeSetUnlessScheduled()
    {
        var fixedRate = new SGD(0.1f);
        fixedRate.LearningRate = 0.05f;
        Assert.Equal(0.05f, fixedRate.LearningRate);
        var scheduled = new SGD(new ExponentialDecay(0.1f, 10, 0.5f));
        Assert.Throws<InvalidOperationException>(() => scheduled.LearningRate = 0.2f);
    }

    [Fact]
    public void Schedule_DrivesTheStepSize()
    {
        var w = new Parameter("w", Tensor.Zeros(1));
        var optimizer = new SGD(new ExponentialDecay(1f, decaySteps: 1, decayRate: 0.5f));
        for (int i = 0; i < 3; i++)
        {
            w.Gradient[0] = 1f;
            optimizer.Apply([w]);
        }

        Assert.Equal(-(1 + 0.5f + 0.25f), w.Value[0], 1e-6f);
        Assert.Equal(0.125f, optimizer.LearningRate, 1e-7f);
    }

    [Fact]
    public void ExponentialDecay_MatchesFormula()
    {
        var smooth = new ExponentialDecay(0.1f, decaySteps: 100, decayRate: 0.5f);
        var stairs = new ExponentialDecay(0.1f, decaySteps: 100, decayRate: 0.5f, staircase: true);
        Assert.Equal(0.1f, smooth.RateAt(0));
        Assert.Equal(0.025f, smooth.RateAt(200), 1e-8f);
        Assert.Equal((float)(0.1 * Math.Pow(0.5, 1.5)), smooth.RateAt(150), 1e-8f);
        Assert.Equal(0.05f, stairs.RateAt(150), 1e-8f);
    }

    [Fact]
    public void CosineDecay_MatchesFormula()
    {
        var schedule = new CosineDecay(0.1f, decaySteps: 100, alpha: 0.1f);
        Assert.Equal(0.1f, schedule.RateAt(0), 1e-8f);
        Assert.Equal(0.1f * (0.9f * 0.5f + 0.1f), schedule.RateAt(50), 1e-7f);
        Assert.Equal(0.01f, schedule.RateAt(100), 1e-8f);
        Assert.Equal(0.01f, schedule.RateAt(1000), 1e-8f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(0.1f, 0));
    }
}
