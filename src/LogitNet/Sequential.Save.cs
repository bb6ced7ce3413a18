using System.IO.Compression;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Optimizers;
using LogitNet.Serialization;

namespace LogitNet;

public sealed partial class Sequential
{
    private const string ConfigEntry = "config.json";
    private const string WeightsEntry = "model.safetensors";

    /// <summary>
    /// What a compiled model needs, beyond its weights, to resume training exactly: the optimizer's
    /// step count and slots, and the dropout layers' generator states.
    /// </summary>
    /// <remarks>
    /// A separate entry, not more tensors in <see cref="WeightsEntry"/>: safetensors users load that
    /// file into a model by name and expect it to hold the model's parameters and nothing else (as
    /// Hugging Face keeps <c>model.safetensors</c> apart from the optimizer), and LogitNet versions
    /// before this entry existed refuse unknown tensors in the weights but ignore unknown entries, so
    /// they still load the model. Inside, the names follow Keras's weights file, where the optimizer's
    /// variables sit under <c>optimizer/</c> and layer state under <c>layers/</c>:
    /// <c>optimizer/iterations</c> (I64 scalar), <c>optimizer/{parameter}/{slot}</c> (F32, the
    /// parameter's shape; slots <c>momentum</c>, <c>velocity</c>, <c>average_gradient</c>, <c>norm</c>,
    /// <c>accumulated_grad</c>, <c>accumulated_delta_var</c> as Keras names them), <c>layers/{layer}/seed_generator_state</c> (U64 [6]).
    /// </remarks>
    private const string TrainingStateEntry = "training_state.safetensors";
    private const string EpochsName = "fit/epochs";
    private const string ShufflerName = "fit/shuffle_generator_state";

    /// <summary>The most slots an optimizer keeps per parameter (centered RMSprop with momentum: 3).</summary>
    private const int MaxSlotsPerParameter = 3;

    /// <summary>
    /// Saves the model to one file: a zip holding <c>config.json</c> (architecture, compile settings,
    /// LogitNet version), <c>model.safetensors</c> (the weights, readable by other tools) and, for a
    /// compiled model, <c>training_state.safetensors</c> (the optimizer's state).
    /// </summary>
    /// <param name="path">The file to write; an existing file is replaced only once the new one is complete.</param>
    /// <remarks>
    /// <para>
    /// The write is atomic: the model goes to a temporary file beside <paramref name="path"/>, which
    /// then replaces it, so a crash mid-save leaves the old file intact.
    /// </para>
    /// <para>
    /// A compiled model is saved with everything the next <see cref="Fit"/> step depends on: the
    /// optimizer's settings (learning rate or schedule, clipping) and state (step count; Adam's and
    /// AdamW's moments, RMSprop's averages and momentum, SGD's momentum, Adamax's moment and norm, Adadelta's two
    /// averages), the dropout layers' random
    /// generators, and which parameters are frozen. Training the loaded model therefore continues
    /// bit for bit as the saved one would have: N steps, save, load, M steps gives the weights of
    /// N + M steps. The epoch count and the shuffling generator are saved too, so Fit(N), save, load,
    /// Fit(M) gives the weights of Fit(N + M).
    /// </para>
    /// <para>
    /// A path ending in <c>.keras</c> is written as a Keras 3 file instead (see docs/keras.md), which
    /// <c>keras.models.load_model</c> reads. It keeps the weights, the compile settings, the optimizer's step count and
    /// learning rate, but not its moments, the seeds, the epoch count or the shuffling generator (Keras has no place
    /// for them), so training resumes from it but not bit for bit; and it refuses what Keras cannot express.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The model is not built (no weights yet), its optimizer is bound to another model's parameters,
    /// or a Fit on another thread is training it (its weights would be saved half-updated; a Fit callback may save).</exception>
    /// <exception cref="NotSupportedException">A layer, loss, optimizer or learning-rate schedule is a custom type that cannot be described;
    /// or, for a <c>.keras</c> path, the model holds what Keras cannot express (such as tf.keras's hard sigmoid, tanh-approximated GELU, a
    /// partly frozen layer, or a loss or optimizer without a Keras equivalent).</exception>
    /// <example><c>model.Save("digits.logitnet"); var again = Sequential.Load("digits.logitnet");</c></example>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BuildFromInputLayer())
        {
            throw new InvalidOperationException("Save needs a built model (it has no weights yet): fit it, call Build(inputShape), or start it with an Input layer.");
        }

        // A snapshot, read as an inference call reads the model: refused while a Fit on another thread moves the weights
        // and the optimizer's state (a checkpoint from a Fit callback, on the training thread, is allowed).
        long versions = EnterInference(nameof(Save));
        if (SavesAsKeras(path, versions))
        {
            return;
        }

        byte[] config = ModelConfig.Write(this);
        List<(string, SafeTensor)>? trainingState = TrainingState();
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            using (Stream entry = zip.CreateEntry(ConfigEntry, CompressionLevel.Optimal).Open())
            {
                entry.Write(config);
            }

            // Stored, not deflated: float weights barely compress, and stored bytes can be read in place.
            using (Stream weights = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open())
            {
                SafeTensors.Write(weights, _parameters.Select(p => (p.Name, SafeTensor.Float32(p.Value))).ToList());
            }

            if (trainingState is not null)
            {
                using Stream state = zip.CreateEntry(TrainingStateEntry, CompressionLevel.NoCompression).Open();
                SafeTensors.Write(state, trainingState);
            }

            // Before the file replaces the old one: the weights were read while writing them.
            ExitInference(versions, nameof(Save));
        });
    }

    /// <summary>The tensors of <see cref="TrainingStateEntry"/>, or null for a model that is not compiled.</summary>
    private List<(string, SafeTensor)>? TrainingState()
    {
        if (_compiled is null)
        {
            return null;
        }

        Optimizer optimizer = _compiled.Optimizer;
        List<(string, SafeTensor)> tensors = [("optimizer/iterations", SafeTensor.Int64(optimizer.Iterations))];
        if (optimizer.BoundParameters is { } bound)
        {
            if (bound.Count != _parameters.Length || !bound.Select((p, i) => ReferenceEquals(p, _parameters[i])).All(same => same))
            {
                throw new InvalidOperationException(
                    "The model's optimizer has been applied to other parameters than this model's, so its state cannot be saved with it. Compile the model with an optimizer of its own.");
            }

            foreach ((string slot, Tensor[] values) in optimizer.Slots)
            {
                for (int i = 0; i < _parameters.Length; i++)
                {
                    tensors.Add(($"optimizer/{_parameters[i].Name}/{slot}", SafeTensor.Float32(values[i])));
                }
            }
        }

        for (int i = 0; i < _layers.Count; i++)
        {
            if (DropoutGeneratorState(i) is { } state)
            {
                tensors.Add(($"layers/{_layers[i].Name}/seed_generator_state", SafeTensor.UInt64(state)));
            }
        }

        // Where Fit stands: the epoch count and the shuffling generator, so that training continues as
        // one run would (Fit(N), Save, Load, Fit(M) equals Fit(N + M)).
        if (TrainedEpochs > 0)
        {
            tensors.Add((EpochsName, SafeTensor.Int64(TrainedEpochs)));
        }

        if (_shuffler is { } shuffler)
        {
            tensors.Add((ShufflerName, SafeTensor.UInt64(shuffler.GetState())));
        }

        return tensors;
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: architecture, weights, and, if it was compiled, compile
    /// settings and optimizer state.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">
    /// What the file leaves open: <see cref="LoadOptions.InputShape"/> gives the per-sample shape for a
    /// Keras model declared with open (None) axes, such as a text model taking sequences of any length.
    /// Null for files whose input shape is fixed (LogitNet's own always are).
    /// </param>
    /// <returns>
    /// The model, built, with its weights; compiled if it was when saved. It predicts bitwise what the
    /// saved model did. A compiled one from LogitNet's own format trains on bit for bit as the saved model would have (see
    /// <see cref="Save"/>); one from a Keras file trains on with its optimizer started afresh (docs/keras.md).
    /// </returns>
    /// <remarks>
    /// <para>
    /// The file is treated as untrusted: nothing in it is executed, every size is checked against the
    /// bytes present before memory is allocated for it, and any fault is reported with the entry and
    /// byte offset, or with the name of the tensor at fault.
    /// </para>
    /// <para>
    /// A file from an earlier LogitNet, saved without optimizer state, loads with a fresh optimizer
    /// (step count 0, zero moments), as if it had just been compiled.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is empty, or <see cref="LoadOptions.InputShape"/> contradicts the file's
    /// input shape (another rank, or another size on an axis the file fixes).
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a LogitNet model or is damaged; the message says where.</exception>
    /// <exception cref="NotSupportedException">
    /// A Keras file LogitNet cannot represent (a layer it lacks, named), or one whose input shape has open
    /// (None) axes and no <see cref="LoadOptions.InputShape"/> was given: the message names the axes.
    /// </exception>
    public static Sequential Load(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (LoadKeras(path, file, zip: null, options) is { } fromHdf5)
        {
            return fromHdf5;
        }

        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"Not a LogitNet model file (not a zip archive): {e.Message}", path, innerException: e);
        }

        try
        {
            using (zip)
            {
                return LoadKeras(path, file, zip, options) ?? LoadFrom(zip, path, file.Length, options);
            }
        }
        catch (InvalidDataException e)
        {
            // The zip reader parses its directory and entries lazily, so damage can surface anywhere.
            throw new DataFormatException($"The archive is damaged: {e.Message}", path, innerException: e);
        }
    }

    private static Sequential LoadFrom(ZipArchive zip, string path, long archiveLength, LoadOptions? options)
    {
        {
            ZipArchiveEntry configEntry = RequireEntry(zip, ConfigEntry, path);
            ZipArchiveEntry weightsEntry = RequireEntry(zip, WeightsEntry, path);
            if (configEntry.Length > 1 << 20)
            {
                throw new DataFormatException($"config.json claims {configEntry.Length} bytes; a model config is a few KB (at most 1 MB).", path, ConfigEntry);
            }

            byte[] config = ReadEntry(configEntry, path);
            (Sequential model, int[] inputShape, long parameterBytes, Action<Sequential> afterBuild, Action<Sequential>? compile) = ModelConfig.Read(config, path);
            if (options?.InputShape is { } given)
            {
                // LogitNet's files fix every axis: a shape given must be the saved one (Resolve names both if not).
                InputShapeOption.Resolve([.. inputShape.Select(d => (int?)d)], given, long.MaxValue, path);
            }

            // Refuse before building: the architecture must not need more than the weights entry can hold.
            long justified = VerifiedZipEntry.MostContent(weightsEntry, archiveLength);
            if (parameterBytes > justified)
            {
                throw new DataFormatException(
                    $"The architecture needs {parameterBytes} bytes of weights, but {WeightsEntry} can hold at most {justified}.", path, ConfigEntry);
            }

            model.Build(inputShape);
            afterBuild(model);
            Dictionary<string, SafeTensor> weights = ReadTensors(weightsEntry, path);

            foreach (Parameter parameter in model._parameters)
            {
                if (!weights.Remove(parameter.Name, out SafeTensor? value))
                {
                    throw new DataFormatException($"The weights hold no tensor '{parameter.Name}', which the architecture needs.", path, WeightsEntry);
                }

                CopyInto(value, parameter.Name, parameter.Value, path, WeightsEntry);
            }

            if (weights.Count > 0)
            {
                throw new DataFormatException($"The weights hold tensors the architecture does not use: {string.Join(", ", weights.Keys)}.", path, WeightsEntry);
            }

            if (compile is not null)
            {
                var notes = new List<string>();
                CompileLoaded(model, compile, notes);
                model.LoadNotes = notes;
            }
            if (zip.GetEntry(TrainingStateEntry) is { } stateEntry)
            {
                if (compile is null)
                {
                    throw new DataFormatException(
                        $"The archive holds {TrainingStateEntry} but config.json has no compile settings for it to belong to.", path, TrainingStateEntry);
                }

                RestoreTrainingState(model, stateEntry, parameterBytes, path, archiveLength);
            }

            model.Log = Console.Out;
            return model;
        }
    }

    /// <summary>Restores what <see cref="TrainingState"/> saved; a file without it leaves the optimizer fresh.</summary>
    private static void RestoreTrainingState(Sequential model, ZipArchiveEntry entry, long parameterBytes, string path, long archiveLength)
    {
        // Refuse before reading: the state of this architecture cannot need more than its slots, the
        // safetensors header, and a few words per layer.
        long limit = MaxSlotsPerParameter * parameterBytes + (1 << 20) + 64L * (model._layers.Count + 1);
        long justified = Math.Min(limit, VerifiedZipEntry.MostContent(entry, archiveLength));
        if (entry.Length > justified)
        {
            throw new DataFormatException(
                $"{TrainingStateEntry} claims {entry.Length} bytes; the training state of this architecture takes at most {justified}.", path, TrainingStateEntry);
        }

        Dictionary<string, SafeTensor> tensors = ReadTensors(entry, path);

        const string IterationsName = "optimizer/iterations";
        if (!tensors.Remove(IterationsName, out SafeTensor? iterationsTensor))
        {
            throw new DataFormatException($"The training state holds no '{IterationsName}', the optimizer's step count.", path, TrainingStateEntry);
        }

        if (iterationsTensor.DType != "I64" || iterationsTensor.Shape.Length != 0 || (long)iterationsTensor.Words![0] < 0)
        {
            throw new DataFormatException(
                $"'{IterationsName}' must be a non-negative I64 scalar; found {iterationsTensor.DType} of shape {ShapeText.Format(iterationsTensor.Shape)}{(iterationsTensor.DType == "I64" && iterationsTensor.Shape.Length == 0 ? $" holding {(long)iterationsTensor.Words![0]}" : "")}.", path, $"{TrainingStateEntry}: tensor '{IterationsName}'");
        }

        long iterations = (long)iterationsTensor.Words[0];
        Optimizer optimizer = model.Optimizer!;
        optimizer.Restore(model._parameters, iterations);
        List<string> present = [], missing = [];
        foreach ((string slot, Tensor[] values) in optimizer.Slots)
        {
            for (int i = 0; i < model._parameters.Length; i++)
            {
                Parameter parameter = model._parameters[i];
                string name = $"optimizer/{parameter.Name}/{slot}";
                if (tensors.Remove(name, out SafeTensor? saved))
                {
                    CopyInto(saved, name, values[i], path, TrainingStateEntry);
                    present.Add(name);
                }
                else
                {
                    missing.Add(name);
                }
            }
        }

        for (int i = 0; i < model._layers.Count; i++)
        {
            Layer layer = model._layers[i];
            string name = $"layers/{layer.Name}/seed_generator_state";
            if (layer is IMaskedLayer && tensors.Remove(name, out SafeTensor? state))
            {
                MaskGenerator.Restore(model.TrainingContext.Layers[i], GeneratorState(state, name, path));
            }
        }

        // Older files have neither: they start the count at 0 and the shuffle stream from the seed.
        if (tensors.Remove(EpochsName, out SafeTensor? epochs))
        {
            if (epochs.DType != "I64" || epochs.Shape.Length != 0 || (long)epochs.Words![0] is < 0 or > int.MaxValue)
            {
                throw new DataFormatException($"'{EpochsName}' must be an I64 scalar in 0..{int.MaxValue}; found {epochs.DType} of shape {ShapeText.Format(epochs.Shape)}.", path, $"{TrainingStateEntry}: tensor '{EpochsName}'");
            }

            model.TrainedEpochs = (int)epochs.Words[0];
        }

        if (tensors.Remove(ShufflerName, out SafeTensor? shuffle))
        {
            model._shuffler = GeneratorState(shuffle, ShufflerName, path);
        }

        string unused = string.Join(", ", tensors.Keys.Order(StringComparer.Ordinal).Select(name => $"'{name}'"));

        // The slots are saved all together once the optimizer has taken a step, and not at all before.
        if (missing.Count > 0 && (present.Count > 0 || iterations > 0))
        {
            throw new DataFormatException(
                $"The training state lacks '{missing[0]}'{(missing.Count > 1 ? $" and {missing.Count - 1} more" : "")}, which {optimizer.GetType().Name} needs after {iterations} steps" +
                (tensors.Count > 0 ? $"; it holds {unused}, which this model does not use." : "."),
                path, TrainingStateEntry);
        }

        if (tensors.Count > 0)
        {
            throw new DataFormatException(
                $"The training state holds tensors this model and its {optimizer.GetType().Name} do not use: {unused}.", path, TrainingStateEntry);
        }
    }

    /// <summary>Reads a safetensors entry whose size has been checked; damage the zip reader finds becomes a format error.</summary>
    private static Dictionary<string, SafeTensor> ReadTensors(ZipArchiveEntry entry, string path)
    {
        try
        {
            using Stream stream = VerifiedZipEntry.Open(entry, path);
            return SafeTensors.Read(stream, entry.Length, path, entry.FullName);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{entry.FullName} is damaged: {e.Message}", path, entry.FullName, innerException: e);
        }
    }

    /// <summary>Copies a saved F32 tensor into <paramref name="target"/>, refusing another dtype or shape with the tensor's name.</summary>
    private static void CopyInto(SafeTensor saved, string name, Tensor target, string path, string entry)
    {
        if (saved.Values is not { } values)
        {
            throw new DataFormatException($"Tensor '{name}' is {saved.DType}; expected F32.", path, $"{entry}: tensor '{name}'");
        }

        if (!values.ShapeSpan.SequenceEqual(target.ShapeSpan))
        {
            throw new DataFormatException(
                $"Tensor '{name}' has shape {ShapeText.Format(values.ShapeSpan)}; the architecture needs {ShapeText.Format(target.ShapeSpan)}.", path, $"{entry}: tensor '{name}'");
        }

        values.AsSpan().CopyTo(target.AsSpan());
    }

    /// <summary>
    /// Exports the model for inference as an ONNX file (opset 17): input <c>input</c> of shape
    /// [N, ...sample shape] float32, output <c>output</c>, what <see cref="Predict(Tensor, int?)"/> returns.
    /// </summary>
    /// <param name="path">The file to write (replaced atomically).</param>
    /// <remarks>
    /// Runs in ONNX Runtime and other ONNX tools. Dense layers become Gemm (MatMul and Add on samples
    /// of more than one axis); activations their ONNX operators, or spelled out where opset 17 has none
    /// (GELU with Erf, Mish, tanh-GELU, swish); Flatten, Reshape, Rescaling and Normalization become
    /// Flatten, Reshape, Mul/Add and Sub/Div; dropout is left out (it is the identity at inference).
    /// <see cref="ClassNames"/>, when set, are written as the model's metadata <c>class_names</c>, a JSON
    /// array such as <c>["cat","dog","bird"]</c> (ONNX Runtime: <c>ModelMetadata.CustomMetadataMap</c>).
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The model is not built, or a Fit on another thread is training it.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX mapping.</exception>
    /// <example><c>model.ExportOnnx("digits.onnx");</c></example>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BuildFromInputLayer())
        {
            throw new InvalidOperationException("ExportOnnx needs a built model: fit it, call Build(inputShape), or start it with an Input layer.");
        }

        long versions = EnterInference(nameof(ExportOnnx));
        byte[] onnx = OnnxExporter.Export(this);
        ExitInference(versions, nameof(ExportOnnx));
        AtomicFile.Write(path, file => file.Write(onnx));
    }

    /// <summary>The generator saved as tensor <paramref name="name"/> of the training state (a dropout layer's or Fit's shuffler).</summary>
    private static RandomSource GeneratorState(SafeTensor state, string name, string path) =>
        (state.DType == "U64" && state.Shape.Length == 1 ? RandomSource.FromState(state.Words) : null)
            ?? throw new DataFormatException(
                $"Tensor '{name}' is not a generator state: expected U64 of shape [{RandomSource.StateWords}] with a non-zero state; found {state.DType} of shape {ShapeText.Format(state.Shape)}.",
                path, $"{TrainingStateEntry}: tensor '{name}'");

    private static ZipArchiveEntry RequireEntry(ZipArchive zip, string name, string path) =>
        zip.GetEntry(name) ?? throw new DataFormatException(
            $"The archive has no '{name}' entry; a LogitNet model holds {ConfigEntry} and {WeightsEntry}.", path, name);

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        try
        {
            using Stream stream = VerifiedZipEntry.Open(entry, path);
            var bytes = new byte[entry.Length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = stream.Read(bytes, read, bytes.Length - read);
                if (n == 0)
                {
                    throw new DataFormatException($"{entry.FullName} ends after {read} of its {bytes.Length} bytes.", path, entry.FullName, read);
                }

                read += n;
            }

            return bytes;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{entry.FullName} is damaged: {e.Message}", path, entry.FullName, innerException: e);
        }
    }
}
