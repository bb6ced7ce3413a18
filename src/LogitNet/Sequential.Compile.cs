using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet;

public sealed partial class Sequential
{
    /// <summary>
    /// The activation a model's outputs pass through in its last layer (Dense's, an ActivationLayer's, or a
    /// Softmax layer's, which acts on the last axis), which Compile and PredictClasses read.
    /// </summary>
    private static Activation OutputActivation(Layer last) => last switch
    {
        Dense dense => dense.Activation,
        ActivationLayer activation => activation.Activation,
        Softmax => Activation.Softmax,
        _ => Activation.Linear,
    };

    /// <summary>What <see cref="PredictProba(Tensor, int?)"/> applies to the model's output.</summary>
    private enum ProbabilityMap
    {
        /// <summary>The output is not a classifier's score (a regression loss): no probabilities.</summary>
        Unavailable,

        /// <summary>The output already holds probabilities.</summary>
        Identity,

        /// <summary>The output holds logits for a softmax.</summary>
        Softmax,

        /// <summary>The output holds logits for sigmoids.</summary>
        Sigmoid,
    }

    /// <summary>
    /// The compiled training set-up, including the from-logits analysis: which loss the training
    /// step really evaluates and on which layer's output.
    /// </summary>
    private sealed class Compiled
    {
        private Compiled(Loss loss, Loss trainingLoss, Optimizer optimizer, Metric[] metrics, Metric[] weightedMetrics)
        {
            Loss = loss;
            TrainingLoss = trainingLoss;
            Optimizer = optimizer;
            Metrics = metrics;
            WeightedMetrics = weightedMetrics;
            Logged = LoggedMetric.Name(metrics, weightedMetrics);
            LoggedNames = Array.ConvertAll(Logged, entry => entry.Key);
            LoggedMetrics = Array.ConvertAll(Logged, entry => entry.Metric);
        }

        /// <summary>The loss the user compiled with.</summary>
        public Loss Loss { get; }

        /// <summary>The loss the training step evaluates: the user's, or its from-logits twin on the fused path.</summary>
        public Loss TrainingLoss { get; }

        public Optimizer Optimizer { get; }

        /// <summary>The metrics Keras calls <c>metrics</c>: updated without sample or class weights.</summary>
        public Metric[] Metrics { get; }

        /// <summary>The metrics Keras calls <c>weighted_metrics</c>: updated with the batch's sample (and class) weights.</summary>
        public Metric[] WeightedMetrics { get; }

        /// <summary>Every metric with its key in the logs, in Keras's order (<see cref="Metrics"/>, then <see cref="WeightedMetrics"/>).</summary>
        public LoggedMetric[] Logged { get; }

        /// <summary>The keys of <see cref="Logged"/>, for <see cref="Callbacks.BatchProgress"/>.</summary>
        public string[] LoggedNames { get; }

        /// <summary>The metrics of <see cref="Logged"/>, for <see cref="Callbacks.BatchProgress"/>.</summary>
        public Metric[] LoggedMetrics { get; }

        /// <summary>How many layers the loss path runs: all, or all but a final softmax/sigmoid <see cref="ActivationLayer"/>.</summary>
        public int LossPathLayers { get; private init; }

        /// <summary>A final Dense whose softmax/sigmoid the loss path skips, or null.</summary>
        public Dense? LogitsDense { get; private init; }

        public ProbabilityMap Probabilities { get; private init; }

        public static Compiled Create(Sequential model, Loss loss, Optimizer optimizer, Metric[] metrics, Metric[] weightedMetrics)
        {
            Layer last = model._layers[^1];
            Activation lastActivation = OutputActivation(last);

            bool? fromLogits = FromLogitsOf(loss);
            Activation? lossSquashing = SquashingOf(loss);
            bool squashedOutput = lastActivation is Activation.Softmax or Activation.Sigmoid;
            Loss trainingLoss = loss;
            int lossPathLayers = model._layers.Count;
            Dense? logitsDense = null;
            bool lossSeesLogits = fromLogits == true;
            ProbabilityMap probabilities = fromLogits switch
            {
                null => ProbabilityMap.Unavailable,
                true => lossSquashing == Activation.Sigmoid ? ProbabilityMap.Sigmoid : ProbabilityMap.Softmax,
                false => ProbabilityMap.Identity,
            };

            if (squashedOutput && fromLogits == false && lossSquashing == lastActivation)
            {
                // The fused path: train on the logits before the final squashing, through the exact loss.
                trainingLoss = LogitsTwin(loss);
                lossSeesLogits = true;
                if (last is Dense dense)
                {
                    logitsDense = dense;
                }
                else
                {
                    lossPathLayers--;
                }

                model.Log.WriteLine(
                    $"Note: layer '{last.Name}' applies {Describe(lastActivation)}; training folds it into {loss.GetType().Name} and computes the loss from the logits (exact, stable). Predict still returns probabilities.");
            }
            else if (squashedOutput && fromLogits == true)
            {
                model.Log.WriteLine(
                    $"Warning: layer '{last.Name}' applies {Describe(lastActivation)} and {loss.GetType().Name}(fromLogits: true) applies it again: the loss squashes probabilities as if they were logits, which flattens the gradients. Fix: give the last layer Activation.Linear (logits), or compile with fromLogits: false.");
                probabilities = ProbabilityMap.Identity;

                // The outputs are probabilities whatever the loss assumes: the metrics threshold them at 0.5.
                lossSeesLogits = false;
            }
            else if (fromLogits == false && IsLinear(last))
            {
                // The reverse mistake: nothing turns the logits into probabilities, yet the loss and PredictProba take them for some.
                string squash = lossSquashing == Activation.Sigmoid ? "Activation.Sigmoid" : "Activation.Softmax";
                model.Log.WriteLine(
                    $"Warning: layer '{last.Name}' is linear, so its outputs are logits (any real number), but {loss.GetType().Name}(fromLogits: false) takes them for probabilities: the loss misreads them, and PredictProba returns them unchanged, so they are not probabilities (they can be negative or above 1). Fix: compile with fromLogits: true, or give the last layer {squash}.");
            }

            foreach (Metric metric in metrics.Concat(weightedMetrics))
            {
                if (metric is BinaryAccuracy binary)
                {
                    binary.FromLogits = lossSeesLogits;
                }
                else if (metric is ILogitsAware aware)
                {
                    aware.FromLogits = lossSeesLogits;
                    aware.SoftmaxLogits = lossSeesLogits && lossSquashing == Activation.Softmax;
                }
                else if (metric is Accuracy accuracy)
                {
                    accuracy.Resolve(AccuracyKindOf(loss), lossSeesLogits);
                }

                // The samples the loss ignores are left out of the accuracy too, as Keras's mask leaves them out of its metrics.
                if (((metric as Accuracy)?.Resolved ?? metric) is SparseCategoricalAccuracy sparseAccuracy)
                {
                    sparseAccuracy.IgnoreClass = (loss as SparseCategoricalCrossentropy)?.IgnoreClass;
                }
            }

            return new Compiled(loss, trainingLoss, optimizer, metrics, weightedMetrics)
            {
                LossPathLayers = lossPathLayers,
                LogitsDense = logitsDense,
                Probabilities = probabilities,
            };
        }

        /// <summary>
        /// Whether the last layer certainly gives unsquashed values: a layer with an activation, set to linear. Other layers
        /// (a Reshape or pooling after a softmax, say) pass on whatever they receive, so they are not judged.
        /// </summary>
        private static bool IsLinear(Layer last) => last switch
        {
            Dense dense => dense.Activation == Activation.Linear,
            ActivationLayer activation => activation.Activation == Activation.Linear,
            Conv1D conv => conv.Activation == Activation.Linear,
            Conv2D conv => conv.Activation == Activation.Linear,
            DepthwiseConv2D conv => conv.Activation == Activation.Linear,
            _ => false,
        };

        private static string Describe(Activation activation) => activation == Activation.Softmax ? "a softmax" : "a sigmoid";

        private static bool? FromLogitsOf(Loss loss) => loss switch
        {
            BinaryCrossentropy b => b.FromLogits,
            CategoricalCrossentropy c => c.FromLogits,
            SparseCategoricalCrossentropy s => s.FromLogits,
            BinaryFocalCrossentropy f => f.FromLogits,
            CategoricalFocalCrossentropy f => f.FromLogits,
            _ => null,
        };

        /// <summary>Which accuracy Keras's "accuracy" means for this loss; null leaves it to the data's shapes.</summary>
        private static Accuracy.AccuracyKind? AccuracyKindOf(Loss loss) => loss switch
        {
            BinaryCrossentropy or BinaryFocalCrossentropy => Accuracy.AccuracyKind.Binary,
            SparseCategoricalCrossentropy => Accuracy.AccuracyKind.Sparse,
            CategoricalCrossentropy or CategoricalFocalCrossentropy => Accuracy.AccuracyKind.Categorical,
            _ => null,
        };

        private static Activation? SquashingOf(Loss loss) => loss switch
        {
            BinaryCrossentropy or BinaryFocalCrossentropy => Activation.Sigmoid,
            CategoricalCrossentropy or SparseCategoricalCrossentropy or CategoricalFocalCrossentropy => Activation.Softmax,
            _ => null,
        };

        private static Loss LogitsTwin(Loss loss) => loss switch
        {
            BinaryCrossentropy b => new BinaryCrossentropy(fromLogits: true, b.LabelSmoothing, b.Reduction),
            CategoricalCrossentropy c => new CategoricalCrossentropy(fromLogits: true, c.LabelSmoothing, c.Reduction),
            SparseCategoricalCrossentropy s => new SparseCategoricalCrossentropy(fromLogits: true, s.IgnoreClass, s.Reduction),
            BinaryFocalCrossentropy f => new BinaryFocalCrossentropy(f.ApplyClassBalancing, f.Alpha, f.Gamma, fromLogits: true, f.LabelSmoothing, f.Reduction),
            CategoricalFocalCrossentropy f => new CategoricalFocalCrossentropy(f.Alpha, f.Gamma, fromLogits: true, f.LabelSmoothing, f.Reduction),
            _ => throw new InvalidOperationException($"{loss.GetType().Name} has no from-logits form."),
        };
    }
}
