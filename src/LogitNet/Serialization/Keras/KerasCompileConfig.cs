using System.Globalization;
using System.Text.Json;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// The compile state of a Keras file — loss (with <c>from_logits</c>), optimizer and its settings,
/// metrics — from <c>training_config</c> (legacy HDF5) or <c>compile_config</c> (<c>.keras</c>).
/// </summary>
/// <remarks>
/// Anything LogitNet cannot reproduce exactly (a loss or optimizer it does not have, Keras 2's
/// per-step <c>decay</c>, AMSGrad, EMA, value clipping) leaves the model uncompiled, with a note
/// saying why; a metric it does not have is left out with a note, since metrics do not change
/// training. The optimizer starts fresh (step 0, zero moments): Keras's optimizer variables are not
/// restored.
/// </remarks>
internal static class KerasCompileConfig
{
    /// <summary>The loss, optimizer, metrics and weighted metrics, or null when the model cannot be compiled as Keras had it (see the notes).</summary>
    public static (Loss Loss, Optimizer Optimizer, Metric[] Metrics, Metric[] WeightedMetrics)? Read(JsonElement config, bool keras2, List<string> notes)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        JsonElement? lossElement = KerasModelBuilder.Optional(config, "loss");
        JsonElement? optimizerElement = KerasModelBuilder.Optional(config, "optimizer_config") ?? KerasModelBuilder.Optional(config, "optimizer");
        if (lossElement is null || optimizerElement is null)
        {
            notes.Add("The file's compile settings name no loss or no optimizer: the model is loaded uncompiled; call Compile before Fit.");
            return null;
        }

        Loss? loss = ReadLoss(lossElement.Value, notes);
        if (loss is not null && LossWeight(KerasModelBuilder.Optional(config, "loss_weights")) is { } weight)
        {
            // Keras multiplies the single output's loss by it (CompileLoss.call): a different loss value and step size.
            notes.Add($"The loss is weighted by loss_weights {Clip(weight)}, which LogitNet's compile does not take (it trains the loss as it is).");
            loss = null;
        }

        Optimizer? optimizer = ReadOptimizer(optimizerElement.Value, notes);
        Metric[] metrics = ReadMetrics(KerasModelBuilder.Optional(config, "metrics"), loss, notes);
        Metric[] weightedMetrics = ReadMetrics(KerasModelBuilder.Optional(config, "weighted_metrics"), loss, notes);
        if (loss is null || optimizer is null)
        {
            notes.Add("The model is loaded uncompiled; call Compile with LogitNet's loss and optimizer before Fit.");
            return null;
        }

        return (loss, optimizer, metrics, weightedMetrics);
    }

    /// <summary>A loss_weights other than 1 (a number, a one-element list or a one-entry dict for the one output), as written; else null.</summary>
    private static string? LossWeight(JsonElement? element)
    {
        if (element is not { } value)
        {
            return null;
        }

        JsonElement? single = value.ValueKind switch
        {
            JsonValueKind.Number => value,
            JsonValueKind.Array when value.GetArrayLength() == 1 => value[0],
            JsonValueKind.Object when value.EnumerateObject().Count() == 1 => value.EnumerateObject().First().Value,
            _ => null,
        };
        return single is { ValueKind: JsonValueKind.Number } number && number.TryGetDouble(out double w) && w == 1 ? null : value.GetRawText();
    }

    private static Loss? ReadLoss(JsonElement element, List<string> notes)
    {
        // Keras takes a single output's loss as a one-element list or a one-entry dict too.
        if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 1)
        {
            element = element[0];
        }
        else if (element.ValueKind == JsonValueKind.Object && KerasModelBuilder.Optional(element, "class_name") is null
            && element.EnumerateObject().Count() == 1)
        {
            element = element.EnumerateObject().First().Value;
        }

        string? name;
        JsonElement config = default;
        if (element.ValueKind == JsonValueKind.String)
        {
            name = element.GetString();
        }
        else if (element.ValueKind == JsonValueKind.Object && KerasModelBuilder.Optional(element, "class_name") is { ValueKind: JsonValueKind.String } c)
        {
            name = c.GetString();
            config = KerasModelBuilder.Optional(element, "config") ?? default;
            if (name == "function" && config.ValueKind == JsonValueKind.String)
            {
                // Keras 3 serializes a loss given as a function: {"class_name": "function", "config": "sparse_categorical_crossentropy"}.
                name = config.GetString();
                config = default;
            }
        }
        else
        {
            notes.Add($"The loss {Clip(element.GetRawText())} is not one loss for one output; LogitNet compiles single-output models.");
            return null;
        }

        bool fromLogits = Bool(config, "from_logits", false);
        // A numeric setting present in another form (Keras's per-class list of alpha for the categorical focal loss) is a
        // loss LogitNet cannot reproduce: the model stays uncompiled with a note rather than compiled with the default.
        string? unreadable = null;
        float Setting(string key, float absent)
        {
            if (KerasModelBuilder.Optional(config, key) is { } value && value.ValueKind != JsonValueKind.Null
                && !(value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out float number) && float.IsFinite(number)))
            {
                unreadable ??= $"The loss's {key} is {Clip(value.GetRawText())}; LogitNet takes one finite number.";
            }

            return Float(config, key, absent);
        }

        float labelSmoothing = Setting("label_smoothing", 0f);
        // Keras 3's reductions (loss.standardize_reduction): "mean" is sum_over_batch_size under another name, and None, written
        // as JSON null, is "none"; "mean_with_sample_weight" (divided by the weights' sum) has no LogitNet form.
        bool reductionNull = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("reduction", out JsonElement written) && written.ValueKind == JsonValueKind.Null;
        Reduction? reduction = reductionNull ? Reduction.None
            : KerasModelBuilder.Optional(config, "reduction") is { ValueKind: JsonValueKind.String } r
            ? r.GetString() switch
            {
                "sum_over_batch_size" or "auto" or "mean" => Reduction.SumOverBatchSize,
                "sum" => Reduction.Sum,
                "none" => Reduction.None,
                _ => null,
            }
            : Reduction.SumOverBatchSize;
        if (reduction is null)
        {
            notes.Add($"The loss reduction {KerasModelBuilder.Optional(config, "reduction")?.GetRawText()} is not one LogitNet has.");
            return null;
        }

        if (KerasModelBuilder.Optional(config, "axis") is { } axis && !(axis.TryGetInt32(out int a) && a == -1))
        {
            notes.Add($"The loss works over axis {axis.GetRawText()}; LogitNet's losses take the classes on the last axis.");
            return null;
        }

        try
        {
            return name switch
            {
                "binary_crossentropy" or "bce" or "BCE" or "BinaryCrossentropy" => Checked(new BinaryCrossentropy(fromLogits, labelSmoothing, reduction.Value)),
                "categorical_crossentropy" or "CategoricalCrossentropy" => Checked(new CategoricalCrossentropy(fromLogits, labelSmoothing, reduction.Value)),
                "sparse_categorical_crossentropy" or "SparseCategoricalCrossentropy" => new SparseCategoricalCrossentropy(fromLogits,
                    KerasModelBuilder.Optional(config, "ignore_class") is { } ignore && ignore.TryGetInt32(out int ignored) ? ignored : null, reduction.Value),
                "binary_focal_crossentropy" or "BinaryFocalCrossentropy" => Checked(new BinaryFocalCrossentropy(Bool(config, "apply_class_balancing", false),
                    Setting("alpha", 0.25f), Setting("gamma", 2f), fromLogits, labelSmoothing, reduction.Value)),
                "categorical_focal_crossentropy" or "CategoricalFocalCrossentropy" => Checked(new CategoricalFocalCrossentropy(Setting("alpha", 0.25f),
                    Setting("gamma", 2f), fromLogits, labelSmoothing, reduction.Value)),
                "mean_squared_error" or "mse" or "MSE" or "MeanSquaredError" => new MeanSquaredError(reduction.Value),
                "mean_absolute_error" or "mae" or "MAE" or "MeanAbsoluteError" => new MeanAbsoluteError(reduction.Value),
                "huber" or "huber_loss" or "Huber" => Checked(new Huber(Setting("delta", 1f), reduction.Value)),
                _ => Unsupported(),
            };
        }
        catch (ArgumentException e)
        {
            notes.Add($"The loss {name} has a setting LogitNet refuses: {e.Message}");
            return null;
        }

        Loss? Checked(Loss loss)
        {
            if (unreadable is null)
            {
                return loss;
            }

            notes.Add(unreadable);
            return null;
        }

        Loss? Unsupported()
        {
            notes.Add($"The loss '{name}' is not one LogitNet has (it has binary, categorical and sparse categorical cross-entropy, their focal forms, mean squared and mean absolute error, and Huber).");
            return null;
        }
    }

    private static Optimizer? ReadOptimizer(JsonElement element, List<string> notes)
    {
        string? name = element.ValueKind == JsonValueKind.String ? element.GetString()
            : KerasModelBuilder.Optional(element, "class_name") is { ValueKind: JsonValueKind.String } c ? c.GetString() : null;
        JsonElement config = element.ValueKind == JsonValueKind.Object ? KerasModelBuilder.Optional(element, "config") ?? default : default;
        if (name is null)
        {
            notes.Add("The optimizer is not named.");
            return null;
        }

        if (name.StartsWith("Custom>", StringComparison.Ordinal))
        {
            // tf.keras 2.11-2.15 name their own optimizers by the registered name "Custom>Adam"; the config is the
            // optimizer's own. (Such files loaded uncompiled, so predict and evaluate refused them.)
            name = name["Custom>".Length..];
        }

        // Keras 2.2 and older named it lr; a per-step decay (Keras 2's legacy optimizers) changes every step's rate.
        float learningRate = Float(config, "learning_rate", float.NaN) is var rate && !float.IsNaN(rate) ? rate : Float(config, "lr", 0.001f);
        LearningRateSchedule? schedule = null;
        if (KerasModelBuilder.Optional(config, "learning_rate") is { ValueKind: JsonValueKind.Object } scheduleElement)
        {
            schedule = ReadSchedule(scheduleElement, notes);
            if (schedule is null)
            {
                return null;
            }
        }

        // Settings with no LogitNet form, each with the values at which Keras does nothing: a legacy decay of 0, a clipvalue of
        // 0 or less (BaseOptimizer._clip_gradients clips only above 0), gradient_accumulation_steps below 2 (null or 1).
        // ema_overwrite_frequency matters only with use_ema, refused below.
        foreach ((string key, string why, Func<double, bool> inert) in new (string, string, Func<double, bool>)[]
        {
            ("decay", "a per-step learning-rate decay (Keras 2's legacy optimizers)", v => v == 0),
            ("clipvalue", "value clipping", v => v <= 0),
            ("gradient_accumulation_steps", "gradient accumulation (one update every few batches, which also slows the step count its rate and bias correction follow)", v => v < 2),
        })
        {
            if (KerasModelBuilder.Optional(config, key) is { } value && value.ValueKind != JsonValueKind.Null
                && !(value.ValueKind == JsonValueKind.Number && inert(value.GetDouble())))
            {
                notes.Add($"The optimizer {name} uses {why} ({key}={value.GetRawText()}), which LogitNet's optimizers do not have.");
                return null;
            }
        }

        if (Bool(config, "use_ema", false) || Bool(config, "amsgrad", false))
        {
            notes.Add($"The optimizer {name} uses {(Bool(config, "amsgrad", false) ? "AMSGrad" : "EMA weights")}, which LogitNet's optimizers do not have.");
            return null;
        }

        float? clipNorm = ClipSetting(config, "clipnorm");
        float? globalClipNorm = ClipSetting(config, "global_clipnorm");
        float beta1 = Float(config, "beta_1", 0.9f), beta2 = Float(config, "beta_2", 0.999f), epsilon = Float(config, "epsilon", 1e-7f);
        // Keras runs its decay step, variable - variable * wd * lr, whenever weight_decay is a number, 0 included:
        // that is LogitNet's AdamW. SGD, RMSprop, Adamax and Adadelta have no decay step here.
        float? weightDecay = KerasModelBuilder.Optional(config, "weight_decay") is not null ? Float(config, "weight_decay", 0f) : null;
        if (weightDecay is float decay && name is "SGD" or "sgd" or "RMSprop" or "rmsprop" or "Adamax" or "adamax" or "Adadelta" or "adadelta")
        {
            notes.Add($"The optimizer {name} has weight_decay {decay.ToString("R", CultureInfo.InvariantCulture)}, which LogitNet's {name} does not have (its Adam does, as AdamW).");
            return null;
        }

        try
        {
            Optimizer optimizer = name switch
            {
                "Adam" or "adam" when weightDecay is null => schedule is null ? new Adam(learningRate, beta1, beta2, epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm } : new Adam(schedule, beta1, beta2, epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                "Adam" or "adam" or "AdamW" or "adamw" => schedule is null
                    ? new AdamW(learningRate, weightDecay ?? 0.004f, beta1, beta2, epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new AdamW(schedule, weightDecay ?? 0.004f, beta1, beta2, epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                "SGD" or "sgd" => schedule is null
                    ? new SGD(learningRate, Float(config, "momentum", 0f), Bool(config, "nesterov", false)) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new SGD(schedule, Float(config, "momentum", 0f), Bool(config, "nesterov", false)) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                "RMSprop" or "rmsprop" => schedule is null
                    ? new RMSprop(learningRate, Float(config, "rho", 0.9f), Float(config, "momentum", 0f), epsilon, Bool(config, "centered", false)) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new RMSprop(schedule, Float(config, "rho", 0.9f), Float(config, "momentum", 0f), epsilon, Bool(config, "centered", false)) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                "Adamax" or "adamax" => schedule is null
                    ? new Adamax(learningRate, beta1, beta2, epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new Adamax(schedule, beta1, beta2, epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                "Adadelta" or "adadelta" => schedule is null
                    ? new Adadelta(learningRate, Float(config, "rho", 0.95f), epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm }
                    : new Adadelta(schedule, Float(config, "rho", 0.95f), epsilon) { ClipNorm = clipNorm, GlobalClipNorm = globalClipNorm },
                _ => null!,
            };
            if (optimizer is null)
            {
                notes.Add($"The optimizer '{name}' is not one LogitNet has (it has SGD, Adam, AdamW, RMSprop, Adamax and Adadelta).");
                return null;
            }

            return optimizer;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            notes.Add($"The optimizer {name} has a setting LogitNet refuses: {e.Message}");
            return null;
        }
    }

    private static LearningRateSchedule? ReadSchedule(JsonElement element, List<string> notes)
    {
        string? name = KerasModelBuilder.Optional(element, "class_name")?.GetString();
        JsonElement config = KerasModelBuilder.Optional(element, "config") ?? default;
        try
        {
            switch (name)
            {
                case "ExponentialDecay" or "CosineDecay" when FractionalSteps(config) is { } fraction:
                    notes.Add($"The learning-rate schedule {name} has decay_steps {fraction}, not a whole number; Keras divides by it as a float and LogitNet's schedules count whole steps.");
                    return null;
                case "ExponentialDecay":
                    return new ExponentialDecay(Float(config, "initial_learning_rate", 0.001f), Steps(config, "decay_steps"),
                        Float(config, "decay_rate", 1f), Bool(config, "staircase", false));
                case "CosineDecay" when Float(config, "warmup_steps", 0f) == 0:
                    // With a warmup_target Keras decays from it (after warmup_steps of ramp, here none), not from initial_learning_rate.
                    return new CosineDecay(Float(config, "warmup_target", Float(config, "initial_learning_rate", 0.001f)), Steps(config, "decay_steps"), Float(config, "alpha", 0f));
                default:
                    notes.Add($"The learning-rate schedule {Clip(element.GetRawText())} is not one LogitNet has (it has ExponentialDecay and CosineDecay without warm-up).");
                    return null;
            }
        }
        catch (ArgumentException e)
        {
            notes.Add($"The learning-rate schedule {name} has a setting LogitNet refuses: {e.Message}");
            return null;
        }
    }

    private static Metric[] ReadMetrics(JsonElement? element, Loss? loss, List<string> notes)
    {
        var metrics = new List<Metric>();
        var found = new List<(string Kind, string Name, float Threshold, JsonElement Config)>();
        Collect(element, 0);
        // Repeats are kept: Keras logs metrics: ["accuracy", "accuracy"] as accuracy and accuracy_1.
        foreach ((string kind, string name, float threshold, JsonElement config) in found)
        {
            if (UnsupportedSetting(kind, config) is { } why)
            {
                notes.Add($"The metric '{Clip(name)}' {why}, which LogitNet's {Clip(kind)} does not; it is left out (metrics do not change training).");
                continue;
            }

            Metric? metric = kind switch
            {
                // Keras's confusion metrics: one threshold (a list of several has no LogitNet form), an optional class; AUC's
                // curve (LogitNet's AUC is exact where Keras's interpolates over num_thresholds).
                "precision" or "recall" when Thresholds(config) is { } t && ClassId(config) is (true, var classId) =>
                    kind == "precision" ? new Precision(t, classId, name: name) : new Recall(t, classId, name: name),
                "auc" or "a_u_c" => new Auc(KerasModelBuilder.Optional(config, "curve")?.ValueKind == JsonValueKind.String
                    && KerasModelBuilder.Optional(config, "curve")!.Value.GetString() == "PR" ? AucCurve.PrecisionRecall : AucCurve.Roc, name),
                // Keras resolves "accuracy" by the loss (compile_utils.get_metric) and keeps the name "accuracy" in its logs;
                // LogitNet's Accuracy does both (Compile resolves it by the loss).
                "accuracy" or "acc" => new LogitNet.Metrics.Accuracy(name),
                "binary_accuracy" when threshold > 0 && threshold < 1 => new BinaryAccuracy(threshold, name: name),
                "categorical_accuracy" => new CategoricalAccuracy(name),
                "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(name),
                // Keras's F1Score(average="micro", threshold=t) pools every entry as LogitNet's does (other forms are refused above).
                "f1_score" when threshold > 0 && threshold < 1 => new F1Score(threshold, name: name),
                _ => null,
            };
            if (metric is null)
            {
                notes.Add(kind switch
                {
                    "binary_accuracy" or "f1_score" => $"The metric '{Clip(name)}' has threshold {threshold.ToString("R", CultureInfo.InvariantCulture)}, outside (0, 1), where LogitNet's thresholds lie; it is left out (metrics do not change training).",
                    "precision" or "recall" => $"The metric '{Clip(name)}' has thresholds {Clip(KerasModelBuilder.Optional(config, "thresholds")?.GetRawText() ?? "?")} or class_id {Clip(KerasModelBuilder.Optional(config, "class_id")?.GetRawText() ?? "null")}; LogitNet's takes one threshold in (0, 1) and a class id of 0 or more; it is left out (metrics do not change training).",
                    _ => $"The metric '{Clip(kind)}' is not one LogitNet has; it is left out (metrics do not change training).",
                });
            }
            else
            {
                metrics.Add(metric);
            }
        }

        return metrics.ToArray();

        void Collect(JsonElement? value, int depth)
        {
            if (value is not { } v || depth > 8)
            {
                return;
            }

            switch (v.ValueKind)
            {
                case JsonValueKind.String:
                    found.Add((v.GetString()!, v.GetString()!, 0.5f, default));
                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in v.EnumerateArray())
                    {
                        Collect(item, depth + 1);
                    }

                    break;
                case JsonValueKind.Object:
                    // {"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "fn": "binary_accuracy"}} or {"class_name": "BinaryAccuracy", ...}:
                    // the function or class says what it computes, the name is its key in Keras's logs.
                    JsonElement config = KerasModelBuilder.Optional(v, "config") ?? default;
                    string? fn = config.ValueKind != JsonValueKind.Object ? null : KerasModelBuilder.Optional(config, "fn")?.ValueKind == JsonValueKind.String ? KerasModelBuilder.Optional(config, "fn")!.Value.GetString() : null;
                    string? named = KerasModelBuilder.Optional(config, "name")?.ValueKind == JsonValueKind.String ? KerasModelBuilder.Optional(config, "name")!.Value.GetString() : null;
                    string? className = KerasModelBuilder.Optional(v, "class_name")?.ValueKind == JsonValueKind.String ? KerasModelBuilder.Optional(v, "class_name")!.Value.GetString() : null;
                    string kind = fn ?? (className == "function" && config.ValueKind == JsonValueKind.String ? config.GetString()
                        : className is "MeanMetricWrapper" or null ? named : VarName(className)) ?? v.GetRawText();
                    found.Add((kind, string.IsNullOrEmpty(named) ? kind : named, Float(config, "threshold", 0.5f), config));
                    break;
            }
        }
    }

    /// <summary>
    /// Why a Keras metric's settings have no LogitNet form (null when they do): Precision's and Recall's top_k (only each row's
    /// k largest entries count), AUC's multi_label and label_weights (one AUC per column, averaged), F1Score other than
    /// average="micro" with a threshold (Keras's default, average=None and threshold=None, gives one score per class with
    /// each row's largest entry as its one positive).
    /// </summary>
    private static string? UnsupportedSetting(string kind, JsonElement config)
    {
        JsonElement? Setting(string key) => KerasModelBuilder.Optional(config, key);
        return kind switch
        {
            "precision" or "recall" when Setting("top_k") is { } k => $"counts only each row's top_k={k.GetRawText()} entries",
            "auc" or "a_u_c" when Setting("multi_label") is { ValueKind: JsonValueKind.True } => "averages one AUC per label (multi_label=True)",
            "auc" or "a_u_c" when Setting("label_weights") is { } w => $"weights its labels (label_weights={Clip(w.GetRawText())})",
            "f1_score" when Setting("average") is not { ValueKind: JsonValueKind.String } average || average.GetString() != "micro"
                => "averages per class (Keras's default average=None gives one score per class)",
            "f1_score" when Setting("threshold") is null => "marks each row's largest entry positive (threshold=None)",
            _ => null,
        };
    }

    private static string VarName(string className) => KerasV3Weights.SnakeCase(className);

    private static bool Bool(JsonElement config, string key, bool absent) =>
        KerasModelBuilder.Optional(config, key) is { } value ? value.ValueKind == JsonValueKind.True : absent;

    private static float Float(JsonElement config, string key, float absent) =>
        KerasModelBuilder.Optional(config, key) is { ValueKind: JsonValueKind.Number } value && value.TryGetSingle(out float f) && float.IsFinite(f) ? f : absent;

    /// <summary>A Keras Precision's or Recall's one threshold (a number or a one-element list; 0.5 when absent), or null for several or none valid.</summary>
    private static float? Thresholds(JsonElement config)
    {
        JsonElement? value = config.ValueKind == JsonValueKind.Object ? KerasModelBuilder.Optional(config, "thresholds") : null;
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return 0.5f;
        }

        JsonElement v = value.Value.ValueKind == JsonValueKind.Array && value.Value.GetArrayLength() == 1 ? value.Value[0] : value.Value;
        return v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out float t) && t > 0 && t < 1 ? t : null;
    }

    /// <summary>A Keras confusion metric's class_id: (true, null) when absent, (true, id) for a whole number, (false, _) otherwise.</summary>
    private static (bool Ok, int? ClassId) ClassId(JsonElement config)
    {
        JsonElement? value = config.ValueKind == JsonValueKind.Object ? KerasModelBuilder.Optional(config, "class_id") : null;
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return (true, null);
        }

        return value.Value.TryGetInt32(out int id) && id >= 0 ? (true, id) : (false, null);
    }

    /// <summary>A clipnorm or global_clipnorm: null when absent, null or 0 or less (Keras clips only by a setting above 0).</summary>
    private static float? ClipSetting(JsonElement config, string key) =>
        KerasModelBuilder.Optional(config, key) is { ValueKind: JsonValueKind.Number } && Float(config, key, 0f) is var value && value > 0 ? value : null;

    /// <summary>decay_steps as written when it is a number with a fraction (Keras 3 accepts 50000 / 64), else null.</summary>
    private static string? FractionalSteps(JsonElement config) =>
        KerasModelBuilder.Optional(config, "decay_steps") is { ValueKind: JsonValueKind.Number } value && !value.TryGetInt64(out _)
            && value.TryGetDouble(out double d) && d != Math.Floor(d)
            ? value.GetRawText() : null;

    /// <summary>A step count, read as an integer (through float32 it would round above 2^24); 1 when absent or not a number.</summary>
    private static long Steps(JsonElement config, string key) =>
        KerasModelBuilder.Optional(config, key) is { ValueKind: JsonValueKind.Number } value
            ? value.TryGetInt64(out long steps) ? steps : value.TryGetDouble(out double d) && d >= 1 && d <= long.MaxValue ? (long)d : 1
            : 1;

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
