using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using LogitNet.Kernels;

namespace LogitNet.Optimizers;

/// <summary>
/// The base of every optimizer: it owns the learning rate (fixed or scheduled), the step count and
/// gradient clipping, and asks the subclass for one update per parameter.
/// </summary>
/// <remarks>
/// <para>
/// An optimizer is bound to the list of parameters it first sees in <see cref="Apply"/>; it builds
/// its per-parameter state (moments, velocities) then, once, so later steps allocate nothing.
/// To write a new optimizer, override <see cref="Build"/> and <see cref="Update"/>.
/// </para>
/// <para>Clipping scales the gradients in place before the update.</para>
/// <para>
/// The built-in optimizers store their state (moments, velocities, averages) as a zero of its sign
/// once its magnitude falls below 2^-100 ≈ 7.9e-31 (those with an epsilon below 2^-24 ≈ 6e-8, below
/// 2^-126: see the end of this paragraph). A parameter whose gradient stays zero (a dead
/// ReLU unit) has state that decays by a constant factor every step, and x86 CPUs compute slowly any
/// operation whose result is subnormal (below 2^-126 ≈ 1.18e-38). Flushed only below 2^-126, such a
/// first moment spent its last 60-odd steps with <c>stepSize·m</c> subnormal and its last 20 with
/// <c>(1 − β1)·m</c> subnormal, and unflushed, the smallest subnormals never decay at all (<c>0.9·m</c>
/// rounds back to <c>m</c>). At 2^-100, the products of stored state with the optimizers' factors
/// (1 − β, a step size, a momentum) stay normal whenever those factors are 2^-26 ≈ 1.5e-8 or more
/// (centered RMSprop's a², a product of state with state, can still be subnormal for a between 2^-100 and 2^-63).
/// Measured on a Zen 5 EPYC, on the 784-128-64-10 model trained on noise (most ReLU units die): Adam's
/// step on a snapshot of that state (flushed below 2^-126) took 54–56 µs, and 19–20 µs with its first
/// moments below 1e-30 zeroed; epochs 2 to 5 of training ran 5–10% faster with the flush at 2^-100
/// than at 2^-126 (two models alternating in one process). Before any flush (an AVX2 EPYC),
/// Adam alone on those 109K parameters took 113–126 µs a step with subnormal state against 44 µs.
/// State this small moves a weight by at most about stepSize·2^-100/ε, which changes only weights
/// below about 2^-50 (ε = 1e-7, a step size of 1). The idea is TensorFlow's and XLA's, whose CPU kernels run in flush-to-zero mode;
/// they flush every operand and result below 2^-126, this flushes only the stored state, so results
/// can differ from theirs (Keras on its PyTorch backend does not flush). The flush is an explicit
/// comparison, not a CPU mode, so every instruction-set path gives the same bits; weights and
/// gradients are never flushed. With an epsilon of 2^-24 or more (every default: Keras's 1e-7), the
/// flush of the state that divides the step (Adam's v, RMSprop's average of g²) does not change the
/// step it is flushed in (√v &lt; 2^-50 is under half an ulp of ε + √v). With a smaller epsilon, or 0,
/// nothing bounds that division, and the optimizer flushes its state only below 2^-126, as before:
/// otherwise a steady gradient below 2^-50 would divide by epsilon alone (infinitely, at 0).
/// With an epsilon of 0, a parameter whose gradient is or becomes zero gets 0/0 = NaN from Adam and
/// RMSprop once its state is zero, as in Keras.
/// </para>
/// </remarks>
public abstract class Optimizer
{
    private readonly float? _clipNorm;
    private readonly float? _globalClipNorm;
    private float _learningRate;
    private Parameter[]? _parameters;

    /// <summary>Creates an optimizer with a fixed learning rate.</summary>
    /// <param name="learningRate">The step size; finite and non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative or not finite.</exception>
    protected Optimizer(float learningRate)
    {
        OptimizerGuard.NonNegative(learningRate, nameof(learningRate));
        _learningRate = learningRate;
    }

    /// <summary>Creates an optimizer whose learning rate follows a schedule.</summary>
    /// <param name="schedule">The schedule, asked once per step.</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    protected Optimizer(LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
    }

    /// <summary>
    /// The learning rate of the next step. Settable (for callbacks such as reduce-on-plateau) unless
    /// the rate follows a <see cref="Schedule"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set while a schedule is in use.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative or non-finite value.</exception>
    public float LearningRate
    {
        get => Schedule?.RateAt(Iterations) ?? _learningRate;
        set
        {
            if (Schedule is not null)
            {
                throw new InvalidOperationException(
                    "This optimizer's learning rate follows a schedule and cannot be set; create the optimizer with a fixed rate to change it by hand.");
            }

            OptimizerGuard.NonNegative(value, nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <summary>The learning-rate schedule, or null for a fixed rate.</summary>
    public LearningRateSchedule? Schedule { get; }

    /// <summary>If set, each parameter's gradient is rescaled so its L2 norm is at most this value (Keras's <c>clipnorm</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
    /// <exception cref="InvalidOperationException"><see cref="GlobalClipNorm"/> is also set.</exception>
    public float? ClipNorm
    {
        get => _clipNorm;
        init
        {
            OptimizerGuard.Positive(value, nameof(ClipNorm));
            RequireOneClipping(value, _globalClipNorm);
            _clipNorm = value;
        }
    }

    /// <summary>If set, all gradients are rescaled together so their joint L2 norm is at most this value (Keras's <c>global_clipnorm</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ClipNorm"/> is also set.</exception>
    public float? GlobalClipNorm
    {
        get => _globalClipNorm;
        init
        {
            OptimizerGuard.Positive(value, nameof(GlobalClipNorm));
            RequireOneClipping(_clipNorm, value);
            _globalClipNorm = value;
        }
    }

    /// <summary>The number of steps applied so far.</summary>
    public long Iterations { get; private set; }

    /// <summary>The parameters this optimizer is bound to (by its first step, or by <see cref="Restore"/>), or null before.</summary>
    internal IReadOnlyList<Parameter>? BoundParameters => _parameters;

    /// <summary>
    /// The per-parameter state, for saving and restoring: each slot's name (Keras's: <c>momentum</c>,
    /// <c>velocity</c>, <c>average_gradient</c>) and one tensor per bound parameter, shaped like it, in order.
    /// Empty until the optimizer is bound; empty for an optimizer without state (plain SGD).
    /// </summary>
    internal virtual IReadOnlyList<(string Slot, Tensor[] Values)> Slots => [];

    /// <summary>
    /// Applies one step: clips the gradients if asked, then updates every trainable parameter from
    /// its <see cref="Parameter.Gradient"/>.
    /// </summary>
    /// <param name="parameters">The parameters; the same list (same parameters, same order) on every call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or one of its items is null.</exception>
    /// <exception cref="InvalidOperationException">The list differs from the one this optimizer was built for, or the
    /// <see cref="Schedule"/> gave a negative or non-finite rate for this step.</exception>
    public void Apply(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        BindOrCheck(parameters);
        float learningRate = LearningRate;
        if (!(learningRate >= 0 && float.IsFinite(learningRate)))
        {
            // Only a schedule can give such a rate (the setter refuses them): stop here, naming it, rather than let the
            // weights become NaN (and the loss report a divergence that looks like the data's fault) or train uphill.
            throw new InvalidOperationException(
                $"The learning-rate schedule {Schedule?.GetType().Name} gave the rate {learningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)} for step {Iterations}; a rate must be finite and non-negative. Check the schedule's parameters (a decay rate above 1 grows without bound) or clamp its RateAt.");
        }

        Clip(parameters);
        PrepareStep(learningRate);
        if (!TryApplyInParallel(parameters, learningRate))
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                Parameter parameter = parameters[i];
                if (parameter.Trainable)
                {
                    Update(i, parameter.Value.AsSpan(), parameter.Gradient.AsSpan(), learningRate);
                }
            }
        }

        Iterations++;
    }

    /// <summary>
    /// Computes what every element's update of this step shares (Adam's bias correction), once per
    /// step before any <see cref="Update"/> or <see cref="UpdateRange"/>, which a split step calls
    /// once per piece.
    /// </summary>
    private protected virtual void PrepareStep(float learningRate)
    {
    }

    /// <summary>Whether this optimizer updates any slice of a parameter on its own (the built-in ones do), so a step can be split between threads.</summary>
    private protected virtual bool UpdatesRanges => false;

    /// <summary>
    /// <see cref="Update"/> on elements [<paramref name="offset"/>, offset + value.Length) of parameter
    /// <paramref name="index"/>. Every update is elementwise, so any cut gives the same bits.
    /// </summary>
    private protected virtual void UpdateRange(int index, int offset, Span<float> value, ReadOnlySpan<float> gradient, float learningRate) =>
        throw new NotSupportedException($"{GetType().Name} updates whole parameters only.");

    /// <summary>
    /// A large step cut into pieces (see <see cref="Pieces"/>) that the calling thread and the
    /// library's pool share. Measured on the L model (1.9 M parameters), the step is bound by memory
    /// traffic (28 bytes per parameter) and by the divider (a square root and a division per
    /// parameter), and each core adds both.
    /// </summary>
    private bool TryApplyInParallel(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        int maxThreads = WorkerPool.MaxThreads;
        if (!UpdatesRanges || maxThreads < 2)
        {
            return false;
        }

        long elements = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            elements += parameters[i].Trainable ? parameters[i].Value.Length : 0;
        }

        if (elements < ParallelElements)
        {
            return false;
        }

        _pieces ??= new Pieces(this);
        _pieces.Set(parameters, learningRate, (int)Math.Min(MaxPieces, elements / ParallelElements * 2));
        return WorkerPool.Shared.TryRun(_pieces, maxThreads);
    }

    /// <summary>Steps over fewer trainable elements than this stay on one thread; larger ones get two pieces per this many elements.</summary>
    private const long ParallelElements = 1 << 16;

    /// <summary>The most pieces a step is cut into.</summary>
    private const int MaxPieces = 64;

    /// <summary>Parameters of this many elements or more are cut into pieces; smaller ones go whole to the first piece.</summary>
    private const int SplitElements = 1 << 14;

    private Pieces? _pieces;

    /// <summary>
    /// One step cut into a number of pieces fixed by the parameters' total size (reused, so a step
    /// allocates nothing): piece i of the job is piece i of every large parameter, contiguous and cut
    /// on a multiple of 16 elements (a cache-line boundary in aligned storage); the small parameters
    /// go whole to piece 0. Every update is elementwise, so the cut never changes a bit.
    /// </summary>
    /// <remarks>
    /// The pieces are contiguous, not interleaved: measured on the 2-core VM, two threads updating
    /// interleaved 256-byte or 1 KB pieces of one array ran 5 times slower than on two halves,
    /// since each core's prefetchers pull in the other's lines. The pool gives each thread a
    /// contiguous run of pieces, so on two threads each takes the first or the second half of
    /// every large parameter: a dense kernel's halves are halves of its rows, and for a layer like
    /// the M model's first (784 × 128, batch 64) the products cut the weights the same way
    /// (<see cref="Kernels.Gemm"/>: the weight gradient by rows, the forward product by K blocks),
    /// so each core updates the rows it computed and owns their optimizer state.
    /// </remarks>
    private sealed class Pieces(Optimizer optimizer) : IParallelJob
    {
        private IReadOnlyList<Parameter> _parameters = [];
        private float _learningRate;

        public int Count { get; private set; }

        public void Set(IReadOnlyList<Parameter> parameters, float learningRate, int count)
        {
            _parameters = parameters;
            _learningRate = learningRate;
            Count = count;
        }

        public void Run(int index)
        {
            for (int i = 0; i < _parameters.Count; i++)
            {
                Parameter parameter = _parameters[i];
                if (!parameter.Trainable)
                {
                    continue;
                }

                Span<float> value = parameter.Value.AsSpan();
                ReadOnlySpan<float> gradient = parameter.Gradient.AsSpan();
                if (value.Length >= SplitElements)
                {
                    int from = Boundary(value.Length, index), to = Boundary(value.Length, index + 1);
                    optimizer.UpdateRange(i, from, value.Slice(from, to - from), gradient.Slice(from, to - from), _learningRate);
                }
                else if (index == 0)
                {
                    optimizer.UpdateRange(i, 0, value, gradient, _learningRate);
                }
            }
        }

        private int Boundary(int length, int piece) =>
            piece == Count ? length : (int)((long)length * piece / Count) / 16 * 16;
    }

    /// <summary>Zeroed per-parameter state shaped like each parameter, aligned as the parameters are (see <see cref="Pieces"/>).</summary>
    private protected static Tensor[] StateFor(IReadOnlyList<Parameter> parameters) =>
        parameters.Select(p => Tensor.ZerosAligned(p.Value.ShapeSpan)).ToArray();

    /// <summary>
    /// Binds the optimizer to <paramref name="parameters"/> with zeroed state, as its first step would,
    /// and sets the step count, so a loaded model continues where the saved one stopped; the caller
    /// then fills <see cref="Slots"/> with the saved values.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer is already bound to other parameters.</exception>
    internal void Restore(IReadOnlyList<Parameter> parameters, long iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        BindOrCheck(parameters);
        Iterations = iterations;
    }

    /// <summary>Creates the per-parameter state, once, before the first update.</summary>
    /// <param name="parameters">The parameters this optimizer is bound to, in order.</param>
    protected abstract void Build(IReadOnlyList<Parameter> parameters);

    /// <summary>Updates one parameter in place.</summary>
    /// <param name="index">The parameter's position in the list given to <see cref="Build"/>.</param>
    /// <param name="value">The parameter's values, to update.</param>
    /// <param name="gradient">The gradient, already clipped.</param>
    /// <param name="learningRate">The learning rate of this step.</param>
    protected abstract void Update(int index, Span<float> value, ReadOnlySpan<float> gradient, float learningRate);

    private void BindOrCheck(IReadOnlyList<Parameter> parameters)
    {
        if (_parameters is null)
        {
            var bound = new Parameter[parameters.Count];
            for (int i = 0; i < bound.Length; i++)
            {
                bound[i] = parameters[i] ?? throw new ArgumentNullException(nameof(parameters), $"Parameter {i} of the list is null.");
            }

            Build(bound);
            _parameters = bound;
            return;
        }

        bool same = parameters.Count == _parameters.Length;
        for (int i = 0; same && i < _parameters.Length; i++)
        {
            same = ReferenceEquals(parameters[i], _parameters[i]);
        }

        if (!same)
        {
            throw new InvalidOperationException(
                $"This optimizer was built for {_parameters.Length} parameters ({string.Join(", ", _parameters.Select(p => p.ToString()))}) and now received a different list of {parameters.Count}. Use one optimizer per model.");
        }
    }

    private void Clip(IReadOnlyList<Parameter> parameters)
    {
        if (_clipNorm is { } perParameter)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                Span<float> gradient = parameters[i].Gradient.AsSpan();
                ScaleToNorm(gradient, Math.Sqrt(SumOfSquares(gradient)), perParameter);
            }
        }
        else if (_globalClipNorm is { } global)
        {
            double sumOfSquares = 0;
            for (int i = 0; i < parameters.Count; i++)
            {
                if (parameters[i].Trainable)
                {
                    sumOfSquares += SumOfSquares(parameters[i].Gradient.AsSpan());
                }
            }

            double norm = Math.Sqrt(sumOfSquares);
            for (int i = 0; i < parameters.Count; i++)
            {
                ScaleToNorm(parameters[i].Gradient.AsSpan(), norm, global);
            }
        }
    }

    private static void ScaleToNorm(Span<float> gradient, double norm, float limit)
    {
        // A NaN norm fails the comparison and leaves the gradient as it is: NaN in, NaN out.
        if (norm > limit)
        {
            double factor = limit / norm;
            if (factor >= 1.1754944e-38) // the smallest normal float32, 2^-126
            {
                TensorPrimitives.Multiply(gradient, (float)factor, gradient);
            }
            else
            {
                // Gradients near float.MaxValue: the factor itself would be subnormal in float32 and lose
                // its digits, so each product is formed in double and rounded once.
                for (int i = 0; i < gradient.Length; i++)
                {
                    gradient[i] = (float)(gradient[i] * factor);
                }
            }
        }
    }

    /// <summary>
    /// The sum of squares in double: a float32 sum overflows to infinity once a gradient passes about
    /// 1.8e19 (its square passes float.MaxValue), and clipping by an infinite norm scaled every gradient
    /// to zero, a lost step. In double the square of any float32 is finite (at most 1.2e77), so the sum
    /// is too for any array. The lanes and the order of the additions are fixed (two 4-double
    /// accumulators, then a scalar tail, added in one order), never the hardware's vector width, so the
    /// norm, and the clipped step, is the same bits on every instruction set.
    /// </summary>
    internal static double SumOfSquares(ReadOnlySpan<float> values)
    {
        Vector256<double> even = Vector256<double>.Zero, odd = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= values.Length; i += 8)
        {
            (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.Create(values.Slice(i, 8)));
            even += low * low;
            odd += high * high;
        }

        double tail = 0;
        for (; i < values.Length; i++)
        {
            tail += (double)values[i] * values[i];
        }

        Vector256<double> lanes = even + odd;
        return lanes[0] + lanes[1] + (lanes[2] + lanes[3]) + tail;
    }

    private static void RequireOneClipping(float? clipNorm, float? globalClipNorm)
    {
        if (clipNorm is not null && globalClipNorm is not null)
        {
            throw new InvalidOperationException("Set ClipNorm or GlobalClipNorm, not both.");
        }
    }
}
