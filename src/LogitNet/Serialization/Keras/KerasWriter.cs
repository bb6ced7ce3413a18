using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;
using PureHDF;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// Writes a <see cref="Sequential"/> as a Keras 3 <c>.keras</c> file, laid out as the Keras 3.10–3.13
/// files of the shared corpus are: a zip (entries stored, not deflated) of <c>metadata.json</c>,
/// <c>config.json</c> and <c>model.weights.h5</c>.
/// </summary>
/// <remarks>
/// <para>
/// <c>config.json</c> follows Keras 3's schema: every object as <c>module</c>, <c>class_name</c>,
/// <c>config</c>, <c>registered_name</c>, built layers with a <c>build_config</c>, dtypes as a
/// <c>DTypePolicy</c>, and the compile settings in <c>compile_config</c>. <c>model.weights.h5</c>
/// holds <c>layers/&lt;snake_case(class)&gt;[_n]/vars/0..N</c> per layer in order (with the layer's
/// name as the <c>name</c> attribute of <c>vars</c>), an empty root <c>vars</c>, and for a compiled
/// model <c>optimizer/vars</c> with the iteration count and learning rate, the layout Keras writes for
/// an optimizer that has not been built (its moments are not carried: Keras starts them afresh).
/// </para>
/// <para>
/// What Keras cannot express is refused with <see cref="NotSupportedException"/>, never dropped:
/// a layer type Keras has no equivalent for, an activation Keras 3 has no name for (tf.keras's
/// hard sigmoid, tanh-GELU), a parameter frozen alone (Keras freezes whole layers), a loss,
/// optimizer or schedule it has no equivalent for. Class names go into <c>metadata.json</c> as
/// <c>logitnet_class_names</c>, which Keras ignores and LogitNet reads back.
/// </para>
/// </remarks>
internal static partial class KerasWriter
{
    /// <summary>The Keras version whose file layout is written (the corpus's Keras 3.11 files).</summary>
    public const string KerasVersion = "3.11.3";

    /// <summary>Writes <paramref name="model"/> as a Keras 3 <c>.keras</c> file.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file, replaced atomically.</param>
    /// <param name="snapshotRead">Called once the model has been read, before the file is written: throws to refuse the snapshot.</param>
    public static void Write(Sequential model, string path, Action snapshotRead)
    {
        List<Layer> layers = [.. model.Layers];
        Check(model, layers);
        byte[] config = Config(model, layers);
        byte[] weights = Weights(model, layers);
        byte[] metadata = Metadata(model);
        snapshotRead();
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            foreach ((string name, byte[] bytes) in new[] { ("metadata.json", metadata), ("config.json", config), ("model.weights.h5", weights) })
            {
                using Stream entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(bytes);
            }
        });
    }

    private static void Check(Sequential model, List<Layer> layers)
    {
        foreach (Layer layer in layers)
        {
            switch (layer)
            {
                case Input or Dropout or Flatten or Reshape or Rescaling or Normalization:
                    break;
                case ReLU or LeakyReLU or Softmax or ZeroPadding2D:
                    break;
                case DepthwiseConv2D depthwise:
                    ActivationName(depthwise.Activation, depthwise.Name);
                    if (depthwise.Parameters.Select(p => p.Trainable).Distinct().Count() > 1)
                    {
                        throw new NotSupportedException(
                            $"Layer '{depthwise.Name}' has some parameters frozen and others not; Keras freezes whole layers. Freeze all of the layer's parameters or none before saving as .keras.");
                    }

                    break;
                case Dense dense:
                    ActivationName(dense.Activation, dense.Name);
                    if (dense.Parameters.Select(p => p.Trainable).Distinct().Count() > 1)
                    {
                        throw new NotSupportedException(
                            $"Layer '{dense.Name}' has some parameters frozen and others not; Keras freezes whole layers. Freeze all of the layer's parameters or none before saving as .keras.");
                    }

                    break;
                case ActivationLayer activation:
                    ActivationName(activation.Activation, activation.Name);
                    break;
                case var image when IsImageLayer(image):
                    CheckImageLayer(image);
                    break;
                case var sequence when SequenceKerasClass(sequence) is not null:
                    CheckSequenceLayer(sequence);
                    break;
                default:
                    throw new NotSupportedException(
                        $"Layer '{layer.Name}' is a {layer.GetType().Name}, which has no Keras equivalent written by LogitNet; .keras files take Input, Dense, Dropout, ActivationLayer, Flatten, Reshape, Rescaling, Normalization, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization and the sequence layers (Conv1D, the 1-D pooling layers, Embedding, SpatialDropout1D/2D). Save it in LogitNet's format (any name not ending in .keras).");
            }
        }

        if (model.Loss is { } loss)
        {
            LossConfig(loss);
            OptimizerConfig(model.Optimizer!);
        }
    }

    private static string ActivationName(Activation activation, string layer) =>
        KerasActivations.Keras3Name(activation) ?? throw new NotSupportedException(
            $"Layer '{layer}' uses {activation}, which Keras 3 has no activation name for ({(activation == Activation.HardSigmoidKeras2 ? "its hard_sigmoid is clip(x/6 + 1/2), not tf.keras's clip(0.2x + 0.5)" : "its \"gelu\" is the exact GELU")}). Save it in LogitNet's format, or use an activation Keras names.");

    private static byte[] Metadata(Sequential model)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("keras_version", KerasVersion);
            json.WriteString("date_saved", DateTime.UtcNow.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture));
            json.WriteString("logitnet_version", typeof(Sequential).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
            if (model.ClassNames is { } names)
            {
                json.WriteStartArray("logitnet_class_names");
                foreach (string name in names)
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static byte[] Config(Sequential model, List<Layer> layers)
    {
        int[] inputShape = layers[0].InputShape;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("module", "keras");
            json.WriteString("class_name", "Sequential");
            json.WriteStartObject("config");
            json.WriteString("name", "sequential");
            json.WriteBoolean("trainable", true);
            DTypePolicy(json);
            json.WriteStartArray("layers");
            if (layers[0] is not Input)
            {
                WriteInputLayer(json, "input_layer", inputShape);
            }

            foreach (Layer layer in layers)
            {
                WriteLayer(json, layer);
            }

            json.WriteEndArray();
            Shape(json, "build_input_shape", inputShape);
            json.WriteEndObject();
            json.WriteNull("registered_name");
            json.WriteStartObject("build_config");
            Shape(json, "input_shape", inputShape);
            json.WriteEndObject();
            if (model.Loss is { } loss)
            {
                json.WriteStartObject("compile_config");
                json.WritePropertyName("optimizer");
                OptimizerConfig(model.Optimizer!)(json);
                json.WritePropertyName("loss");
                LossConfig(loss)(json);
                json.WriteNull("loss_weights");
                WriteMetricNames(json, "metrics", model.Metrics);
                WriteMetricNames(json, "weighted_metrics", model.WeightedMetrics);
                json.WriteBoolean("run_eagerly", false);
                json.WriteNumber("steps_per_execution", 1);
                json.WriteBoolean("jit_compile", false);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }


    /// <summary>A compile config's metric list as Keras 3 writes it: names, or null for an empty list.</summary>
    private static void WriteMetricNames(Utf8JsonWriter json, string key, IReadOnlyList<Metric> metrics)
    {
        if (metrics.Count == 0 && key == "weighted_metrics")
        {
            json.WriteNull(key);
            return;
        }

        json.WriteStartArray(key);
        foreach (Metric metric in metrics)
        {
            // "accuracy" is resolved by the loss in Keras as here; a renamed one is written as the metric it resolved to.
            Metric written = metric is LogitNet.Metrics.Accuracy { Resolved: { } resolved } accuracy && accuracy.Name != LogitNet.Metrics.Accuracy.DefaultName
                ? resolved
                : metric;
            if (written is ConfusionMetric or Auc)
            {
                WriteConfusionMetric(json, written);
                continue;
            }

            (string? className, string defaultName) = written switch
            {
                LogitNet.Metrics.Accuracy => ((string?)null, LogitNet.Metrics.Accuracy.DefaultName),
                BinaryAccuracy => ("BinaryAccuracy", BinaryAccuracy.DefaultName),
                CategoricalAccuracy => ("CategoricalAccuracy", CategoricalAccuracy.DefaultName),
                SparseCategoricalAccuracy => ("SparseCategoricalAccuracy", SparseCategoricalAccuracy.DefaultName),
                _ => (null, metric.Name),
            };
            float threshold = (written as BinaryAccuracy)?.Threshold ?? 0.5f;
            if (className is null || (metric.Name == defaultName && threshold == 0.5f))
            {
                json.WriteStringValue(defaultName);
                continue;
            }

            // Keras 3's serialized metric object: its name is the key in Keras's logs, its threshold kept.
            json.WriteStartObject();
            json.WriteString("module", "keras.metrics");
            json.WriteString("class_name", className);
            json.WriteStartObject("config");
            json.WriteString("name", metric.Name);
            json.WriteString("dtype", "float32");
            if (written is BinaryAccuracy)
            {
                WriteFloat(json, "threshold", threshold);
            }

            json.WriteEndObject();
            json.WriteNull("registered_name");
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// Precision, Recall, F1Score and AUC as Keras 3's metric objects, with their threshold, class and curve (a bare name
    /// loses them: Keras's "f1_score" is F1Score(average=None, threshold=None), one score per class).
    /// </summary>
    private static void WriteConfusionMetric(Utf8JsonWriter json, Metric metric)
    {
        if (metric is F1Score { ClassId: { } f1Class })
        {
            throw new NotSupportedException(
                $"The metric '{metric.Name}' is an F1Score of class {f1Class}, which has no Keras form (Keras's F1Score has no class_id). Compile without it before saving to .keras, or save in LogitNet's own format.");
        }

        json.WriteStartObject();
        json.WriteString("module", "keras.metrics");
        json.WriteString("class_name", metric is Auc ? "AUC" : metric.GetType().Name);
        json.WriteStartObject("config");
        json.WriteString("name", metric.Name);
        json.WriteString("dtype", "float32");
        if (metric is Auc auc)
        {
            json.WriteString("curve", auc.Curve == AucCurve.Roc ? "ROC" : "PR");
        }
        else if (metric is F1Score f1)
        {
            // Counts pooled over every entry at one threshold: Keras's average="micro" with that threshold.
            json.WriteString("average", "micro");
            WriteFloat(json, "threshold", f1.Threshold);
        }
        else
        {
            var confusion = (ConfusionMetric)metric;
            WriteFloat(json, "thresholds", confusion.Threshold);
            json.WriteNull("top_k");
            if (confusion.ClassId is { } classId)
            {
                json.WriteNumber("class_id", classId);
            }
            else
            {
                json.WriteNull("class_id");
            }
        }

        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    private static void WriteInputLayer(Utf8JsonWriter json, string name, int[] shape)
    {
        json.WriteStartObject();
        json.WriteString("module", "keras.layers");
        json.WriteString("class_name", "InputLayer");
        json.WriteStartObject("config");
        Shape(json, "batch_shape", shape);
        json.WriteString("dtype", "float32");
        json.WriteBoolean("sparse", false);
        json.WriteBoolean("ragged", false);
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    private static void WriteLayer(Utf8JsonWriter json, Layer layer)
    {
        if (layer is Input input)
        {
            WriteInputLayer(json, input.Name, input.Shape);
            return;
        }

        json.WriteStartObject();
        json.WriteString("module", "keras.layers");
        json.WriteString("class_name", KerasClass(layer));
        json.WriteStartObject("config");
        json.WriteString("name", layer.Name);
        // Frozen when its weights are (the state, such as moving statistics, is frozen either way); a layer without
        // weights says so itself (a frozen BatchNormalization without gamma and beta still trains as in inference).
        // (BatchNormalization: the layer's flag, which also decides its training mode.)
        // SpatialDropout1D/2D are the exception: their Keras constructors take no **kwargs, so a "trainable" key in their
        // config is a TypeError in load_model (Keras writes only rate, seed, name, dtype and data_format for them).
        if (layer is not SpatialDropoutLayer)
        {
            json.WriteBoolean("trainable", layer.Parameters.Any(p => !p.IsState) && layer is not BatchNormalization
                ? layer.Parameters.Any(p => !p.IsState && p.Trainable)
                : layer.Trainable);
        }

        DTypePolicy(json);
        switch (layer)
        {
            case Dense dense:
                json.WriteNumber("units", dense.Units);
                json.WriteString("activation", ActivationName(dense.Activation, dense.Name));
                json.WriteBoolean("use_bias", dense.UseBias);
                KerasInitializers.Write(json, "kernel_initializer", dense.KernelInitializer, dense.Name);
                KerasInitializers.Write(json, "bias_initializer", dense.BiasInitializer, dense.Name);
                KerasRegularizer(json, "kernel_regularizer", dense.KernelRegularizer, dense.Name);
                KerasRegularizer(json, "bias_regularizer", dense.BiasRegularizer, dense.Name);
                json.WriteNull("kernel_constraint");
                json.WriteNull("bias_constraint");
                break;
            case Dropout dropout:
                WriteFloat(json, "rate", dropout.Rate);
                json.WriteNull("seed");
                json.WriteNull("noise_shape");
                break;
            case ActivationLayer activation:
                json.WriteString("activation", ActivationName(activation.Activation, activation.Name));
                break;
            case Flatten:
                json.WriteString("data_format", "channels_last");
                break;
            case Reshape reshape:
                Shape(json, "target_shape", reshape.TargetShape, batch: false);   // as given: Keras takes one -1
                break;
            case Rescaling rescaling:
                WriteFloat(json, "scale", rescaling.Scale);
                WriteFloat(json, "offset", rescaling.Offset);
                break;
            case Normalization normalization:
                if (normalization.PerFeature)
                {
                    json.WriteStartArray("axis");
                    json.WriteNumberValue(-1);
                    json.WriteEndArray();
                }
                else
                {
                    json.WriteNull("axis");
                }

                json.WriteBoolean("invert", false);
                json.WriteNull("mean");
                json.WriteNull("variance");
                break;
            case var image when IsImageLayer(image):
                WriteImageLayerConfig(json, image);
                break;
            default:
                if (!TryWriteMiscLayerConfig(json, layer))
                {
                    WriteSequenceConfig(json, layer);
                }

                break;
        }

        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteStartObject("build_config");
        Shape(json, "input_shape", layer.InputShape);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string KerasClass(Layer layer) => layer switch
    {
        Dense => "Dense",
        Dropout => "Dropout",
        ActivationLayer => "Activation",
        Flatten => "Flatten",
        Reshape => "Reshape",
        Rescaling => "Rescaling",
        Normalization => "Normalization",
        _ when IsImageLayer(layer) => ImageKerasClass(layer),
        _ when SequenceKerasClass(layer) is { } sequence => sequence,
        _ when MiscKerasClass(layer) is { } misc => misc,
        _ => throw new NotSupportedException($"Layer '{layer.Name}' has no Keras class."),
    };

    private static void DTypePolicy(Utf8JsonWriter json)
    {
        json.WriteStartObject("dtype");
        json.WriteString("module", "keras");
        json.WriteString("class_name", "DTypePolicy");
        json.WriteStartObject("config");
        json.WriteString("name", "float32");
        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    private static void Initializer(Utf8JsonWriter json, string key, string className, bool seed)
    {
        json.WriteStartObject(key);
        json.WriteString("module", "keras.initializers");
        json.WriteString("class_name", className);
        json.WriteStartObject("config");
        if (seed)
        {
            json.WriteNull("seed");
        }

        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    private static void Shape(Utf8JsonWriter json, string key, int[] shape, bool batch = true)
    {
        json.WriteStartArray(key);
        if (batch)
        {
            json.WriteNullValue();
        }

        foreach (int size in shape)
        {
            json.WriteNumberValue(size);
        }

        json.WriteEndArray();
    }

    private static Action<Utf8JsonWriter> LossConfig(Loss loss)
    {
        (string className, string name, Action<Utf8JsonWriter> settings) = loss switch
        {
            BinaryCrossentropy b => ("BinaryCrossentropy", "binary_crossentropy", (Action<Utf8JsonWriter>)(j =>
            {
                j.WriteBoolean("from_logits", b.FromLogits);
                WriteFloat(j, "label_smoothing", b.LabelSmoothing);
                j.WriteNumber("axis", -1);
            })),
            CategoricalCrossentropy c => ("CategoricalCrossentropy", "categorical_crossentropy", j =>
            {
                j.WriteBoolean("from_logits", c.FromLogits);
                WriteFloat(j, "label_smoothing", c.LabelSmoothing);
                j.WriteNumber("axis", -1);
            }),
            SparseCategoricalCrossentropy s => ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", j =>
            {
                j.WriteBoolean("from_logits", s.FromLogits);
                if (s.IgnoreClass is { } ignored)
                {
                    j.WriteNumber("ignore_class", ignored);
                }
                else
                {
                    j.WriteNull("ignore_class");
                }
            }),
            BinaryFocalCrossentropy f => ("BinaryFocalCrossentropy", "binary_focal_crossentropy", j =>
            {
                j.WriteBoolean("apply_class_balancing", f.ApplyClassBalancing);
                WriteFloat(j, "alpha", f.Alpha);
                WriteFloat(j, "gamma", f.Gamma);
                j.WriteBoolean("from_logits", f.FromLogits);
                WriteFloat(j, "label_smoothing", f.LabelSmoothing);
                j.WriteNumber("axis", -1);
            }),
            CategoricalFocalCrossentropy f => ("CategoricalFocalCrossentropy", "categorical_focal_crossentropy", j =>
            {
                WriteFloat(j, "alpha", f.Alpha);
                WriteFloat(j, "gamma", f.Gamma);
                j.WriteBoolean("from_logits", f.FromLogits);
                WriteFloat(j, "label_smoothing", f.LabelSmoothing);
                j.WriteNumber("axis", -1);
            }),
            MeanSquaredError => ("MeanSquaredError", "mean_squared_error", _ => { }),
            MeanAbsoluteError => ("MeanAbsoluteError", "mean_absolute_error", _ => { }),
            Huber h => ("Huber", "huber_loss", j => WriteFloat(j, "delta", h.Delta)),
            _ => throw new NotSupportedException(
                $"The model is compiled with {loss.GetType().Name}, which LogitNet does not write to a .keras file (it writes the built-in losses; a custom loss is code). Save it in LogitNet's format, or compile it with a built-in loss."),
        };
        string reduction = loss.Reduction switch
        {
            Reduction.None => "none",
            Reduction.Sum => "sum",
            _ => "sum_over_batch_size",
        };
        return json =>
        {
            json.WriteStartObject();
            json.WriteString("module", "keras.losses");
            json.WriteString("class_name", className);
            json.WriteStartObject("config");
            json.WriteString("name", name);
            json.WriteString("reduction", reduction);
            settings(json);
            json.WriteEndObject();
            json.WriteNull("registered_name");
            json.WriteEndObject();
        };
    }

    private static Action<Utf8JsonWriter> OptimizerConfig(Optimizer optimizer)
    {
        (string className, Action<Utf8JsonWriter> settings) = optimizer switch
        {
            AdamW w => ("AdamW", (Action<Utf8JsonWriter>)(j =>
            {
                WriteFloat(j, "beta_1", w.Beta1);
                WriteFloat(j, "beta_2", w.Beta2);
                WriteFloat(j, "epsilon", w.Epsilon);
                j.WriteBoolean("amsgrad", false);
            })),
            Adam a => ("Adam", j =>
            {
                WriteFloat(j, "beta_1", a.Beta1);
                WriteFloat(j, "beta_2", a.Beta2);
                WriteFloat(j, "epsilon", a.Epsilon);
                j.WriteBoolean("amsgrad", false);
            }),
            SGD s => ("SGD", j =>
            {
                WriteFloat(j, "momentum", s.Momentum);
                j.WriteBoolean("nesterov", s.Nesterov);
            }),
            RMSprop r => ("RMSprop", j =>
            {
                WriteFloat(j, "rho", r.Rho);
                WriteFloat(j, "momentum", r.Momentum);
                WriteFloat(j, "epsilon", r.Epsilon);
                j.WriteBoolean("centered", r.Centered);
            }),
            Adamax x => ("Adamax", j =>
            {
                WriteFloat(j, "beta_1", x.Beta1);
                WriteFloat(j, "beta_2", x.Beta2);
                WriteFloat(j, "epsilon", x.Epsilon);
            }),
            Adadelta d => ("Adadelta", j =>
            {
                WriteFloat(j, "rho", d.Rho);
                WriteFloat(j, "epsilon", d.Epsilon);
            }),
            _ => throw new NotSupportedException(
                $"The model's optimizer is a {optimizer.GetType().Name}, which LogitNet does not write to a .keras file (it writes SGD, Adam, AdamW, RMSprop, Adamax and Adadelta)."),
        };
        Action<Utf8JsonWriter> rate = optimizer.Schedule switch
        {
            null => j => WriteFloat(j, "learning_rate", optimizer.LearningRate),
            ExponentialDecay e => j =>
            {
                j.WriteStartObject("learning_rate");
                j.WriteString("module", "keras.optimizers.schedules");
                j.WriteString("class_name", "ExponentialDecay");
                j.WriteStartObject("config");
                WriteFloat(j, "initial_learning_rate", e.InitialLearningRate);
                j.WriteNumber("decay_steps", e.DecaySteps);
                WriteFloat(j, "decay_rate", e.DecayRate);
                j.WriteBoolean("staircase", e.Staircase);
                j.WriteString("name", "ExponentialDecay");
                j.WriteEndObject();
                j.WriteNull("registered_name");
                j.WriteEndObject();
            },
            CosineDecay c => j =>
            {
                j.WriteStartObject("learning_rate");
                j.WriteString("module", "keras.optimizers.schedules");
                j.WriteString("class_name", "CosineDecay");
                j.WriteStartObject("config");
                WriteFloat(j, "initial_learning_rate", c.InitialLearningRate);
                j.WriteNumber("decay_steps", c.DecaySteps);
                WriteFloat(j, "alpha", c.Alpha);
                j.WriteString("name", "CosineDecay");
                j.WriteNull("warmup_target");
                j.WriteNumber("warmup_steps", 0);
                j.WriteEndObject();
                j.WriteNull("registered_name");
                j.WriteEndObject();
            },
            var other => throw new NotSupportedException(
                $"The optimizer's learning-rate schedule is a {other.GetType().Name}, which Keras has no equivalent for here (LogitNet writes ExponentialDecay and CosineDecay)."),
        };
        return json =>
        {
            json.WriteStartObject();
            json.WriteString("module", "keras.optimizers");
            json.WriteString("class_name", className);
            json.WriteStartObject("config");
            json.WriteString("name", className.ToLowerInvariant());
            rate(json);
            if (optimizer is AdamW adamW)
            {
                WriteFloat(json, "weight_decay", adamW.WeightDecay);
            }
            else
            {
                json.WriteNull("weight_decay");
            }

            WriteOptional(json, "clipnorm", optimizer.ClipNorm);
            WriteOptional(json, "global_clipnorm", optimizer.GlobalClipNorm);
            json.WriteNull("clipvalue");
            json.WriteBoolean("use_ema", false);
            WriteFloat(json, "ema_momentum", 0.99f);
            json.WriteNull("ema_overwrite_frequency");
            json.WriteNull("loss_scale_factor");
            json.WriteNull("gradient_accumulation_steps");
            settings(json);
            json.WriteEndObject();
            json.WriteNull("registered_name");
            json.WriteEndObject();
        };
    }

    /// <summary>
    /// Writes a float setting as Python's json writes a float: always with a point or an exponent (<c>0.0</c>, <c>1.0</c>,
    /// <c>1E-07</c>), never as an integer. Keras's constructors check some settings with <c>isinstance(x, float)</c> (every
    /// learning rate, SGD's momentum, F1Score's threshold) and its schedules compute in the initial rate's dtype, so a 0 or
    /// a 1 written as an integer makes the file fail to load in Keras or decay wrongly there.
    /// </summary>
    internal static void WriteFloat(Utf8JsonWriter json, string key, float value)
    {
        // The float's own shortest form (0.001, not 0.0010000000474974513), as WriteNumber(float) gave.
        json.WritePropertyName(key);
        json.WriteRawValue(FloatText(value.ToString("R", CultureInfo.InvariantCulture)));
    }

    private static string FloatText(string text) =>
        !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || !double.IsFinite(parsed)
            ? throw new ArgumentException($"A Keras config cannot hold the value {text}; expected a finite number.")
            : text.AsSpan().IndexOfAny(".Ee") >= 0 ? text : text + ".0";

    private static void WriteOptional(Utf8JsonWriter json, string key, float? value)
    {
        if (value is { } v)
        {
            WriteFloat(json, key, v);
        }
        else
        {
            json.WriteNull(key);
        }
    }

    private static byte[] Weights(Sequential model, List<Layer> layers)
    {
        var layerGroups = new H5Group();
        var used = new Dictionary<string, int>();
        foreach (Layer layer in layers)
        {
            if (layer is Input)
            {
                continue;
            }

            // keras/src/saving/saving_lib.py: snake_case(class) for the first of a class, then _1, _2, ...
            string snake = KerasV3Weights.SnakeCase(KerasClass(layer));
            string group = used.TryGetValue(snake, out int count) ? $"{snake}_{count + 1}" : snake;
            used[snake] = used.TryGetValue(snake, out int n) ? n + 1 : 0;
            var vars = new H5Group { Attributes = new() { ["name"] = layer.Name } };
            switch (layer)
            {
                case Dense dense:
                    vars["0"] = Dataset(dense.Kernel.Value, dense.Kernel.Value.Shape);
                    if (dense.Bias is { } bias)
                    {
                        vars["1"] = Dataset(bias.Value, bias.Value.Shape);
                    }

                    break;
                case DepthwiseConv2D depthwise:
                    vars["0"] = Dataset(depthwise.Kernel.Value, depthwise.Kernel.Value.Shape);
                    if (depthwise.Bias is { } depthwiseBias)
                    {
                        vars["1"] = Dataset(depthwiseBias.Value, depthwiseBias.Value.Shape);
                    }

                    break;
                case Normalization normalization:
                    int[] shape = normalization.PerFeature ? normalization.Mean.Value.Shape : [];
                    vars["0"] = Dataset(normalization.Mean.Value, shape);
                    vars["1"] = Dataset(normalization.Variance.Value, shape);
                    vars["2"] = new H5Dataset(0L, fileDims: []);
                    break;
                case var image when IsImageLayer(image):
                    WriteImageLayerWeights(vars, image);
                    break;
                default:
                    WriteSequenceWeights(vars, layer);
                    break;
            }

            layerGroups[group] = new H5Group { ["vars"] = vars };
        }

        var file = new H5File
        {
            ["layers"] = layerGroups,
            ["vars"] = new H5Group { Attributes = new() { ["name"] = "sequential" } },
        };
        if (model.Optimizer is { } optimizer)
        {
            // An optimizer Keras has not built yet: its iteration count and learning rate only.
            file["optimizer"] = new H5Group
            {
                ["vars"] = new H5Group
                {
                    Attributes = new() { ["name"] = optimizer.GetType().Name.ToLowerInvariant() },
                    ["0"] = new H5Dataset(optimizer.Iterations, fileDims: []),
                    ["1"] = new H5Dataset(optimizer.LearningRate, fileDims: []),
                },
            };
        }

        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    private static H5Dataset Dataset(Tensor value, int[] shape) =>
        new(value.ToArray(), fileDims: shape.Select(d => (ulong)d).ToArray());
}
