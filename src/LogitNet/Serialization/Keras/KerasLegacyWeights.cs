using LogitNet.Data;
using PureHDF;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// The weights of a legacy HDF5 full-model file (Keras 2.x, and Keras 3's <c>.h5</c>), found by name.
/// </summary>
/// <remarks>
/// <c>model_weights</c> lists its layer groups in <c>layer_names</c>; each group lists its datasets
/// in <c>weight_names</c>, paths relative to the group ending in <c>owner/kind[:0]</c>: Keras 2 writes
/// <c>dense_13/kernel:0</c>, Keras 3 <c>sequential_2/dense_6/kernel</c>, and a nested model keeps
/// all its layers' weights in its own group (<c>dense_Dense5/kernel:0</c> in <c>sequential_11</c>,
/// trainable weights first). A weight is found by its group (the top-level layer or nested model),
/// its owner (the layer's name) and its kind, never by position; when a variable name does not
/// carry the layer's name (models built twice in one TF1 session get <c>dense_1_1/kernel:0</c>), the
/// layer's own group and the kind decide, if exactly one weight fits.
/// </remarks>
internal sealed class KerasLegacyWeights
{
    private readonly Dictionary<(string Group, string Owner, string Kind), (IH5Group Group, string Path)> _index = [];
    private readonly HashSet<(string, string, string)> _used = [];
    private readonly string _file;
    private const string Entry = "model_weights";

    public KerasLegacyWeights(IH5Group root, string file)
    {
        _file = file;
        IH5Group weights = KerasHdf5.Child(root, Entry, file, null) as IH5Group
            ?? throw new DataFormatException("The file has a model config but no 'model_weights' group: it holds no weights.", file, Entry);
        string[] groups = KerasHdf5.StringsAttribute(weights, "layer_names", KerasModelConfig.MaxLayers, file, Entry)
            ?? throw new DataFormatException("'model_weights' has no 'layer_names' attribute listing its layers.", file, Entry);
        foreach (string groupName in groups)
        {
            string where = $"{Entry}/{groupName}";
            IH5Group group = KerasHdf5.Child(weights, groupName, file, Entry) as IH5Group
                ?? throw new DataFormatException($"'layer_names' lists '{groupName}', but there is no such group.", file, Entry);
            string[] names = KerasHdf5.StringsAttribute(group, "weight_names", 100_000, file, where) ?? [];
            foreach (string weightName in names)
            {
                string[] parts = weightName.Replace('\\', '/').Split('/');
                string kind = StripSuffix(parts[^1]);
                string owner = parts.Length > 1 ? parts[^2] : groupName;
                if (!_index.TryAdd((groupName, owner, kind), (group, weightName)))
                {
                    throw new DataFormatException($"Group '{groupName}' lists the weight '{weightName}' twice.", file, where);
                }
            }
        }
    }

    /// <summary>Copies each of a binding's weights into its LogitNet parameter, checking shape and type first.</summary>
    public void Fill(KerasModelBuilder.Binding binding)
    {
        string group = binding.Scope.Count > 0 ? binding.Scope[0].Name : binding.Node.Name;
        foreach (KerasModelBuilder.WeightSlot slot in binding.Slots)
        {
            (string, string, string) key = (group, binding.Node.Name, slot.Kind);
            if (!_index.ContainsKey(key))
            {
                // The variable's name does not carry the layer's: take the one weight of this kind in the layer's own group.
                (string, string, string)[] candidates = _index.Keys.Where(k => k.Group == binding.Node.Name && k.Kind == slot.Kind).ToArray();
                key = candidates.Length == 1
                    ? candidates[0]
                    : throw new DataFormatException(
                        $"The weights hold no '{slot.Kind}' for layer '{binding.Node.Name}' (looked in group '{group}'{(candidates.Length > 1 ? $"; {candidates.Length} candidates in its own group" : "")}).",
                        _file, $"{Entry}/{group}");
            }

            if (!_used.Add(key))
            {
                throw new DataFormatException($"The weight '{_index[key].Path}' would fill two layers.", _file, $"{Entry}/{key.Item1}");
            }

            (IH5Group h5Group, string path) = _index[key];
            string where = $"{Entry}/{key.Item1}/{path}";
            IH5Dataset dataset = KerasHdf5.Guard(() => h5Group.Dataset(path), _file, where, "the dataset");
            KerasHdf5.ReadFloats(dataset, slot.KerasShape, binding.Layer.Parameters[slot.Target].Value.AsSpan(),
                $"Weight '{path}' of layer '{binding.Node.Name}'", _file, where);
        }
    }

    /// <summary>Refuses weights no layer took (but a Normalization's count, which only a later adapt uses): they mean the architecture was misread.</summary>
    public void CheckAllUsed()
    {
        (string, string, string)[] unused = _index.Keys.Where(k => !_used.Contains(k) && k.Kind != "count").ToArray();
        if (unused.Length > 0)
        {
            throw new DataFormatException(
                $"The weights hold {string.Join(", ", unused.Take(5).Select(k => $"'{k.Item1}/{k.Item2}/{k.Item3}'"))}{(unused.Length > 5 ? $" and {unused.Length - 5} more" : "")}, which no layer of the model config uses.",
                _file, Entry);
        }
    }

    private static string StripSuffix(string name)
    {
        int colon = name.LastIndexOf(':');
        return colon > 0 ? name[..colon] : name;
    }
}
