using System.Text.RegularExpressions;
using LogitNet.Data;
using PureHDF;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// The weights of a <c>.keras</c> file (<c>model.weights.h5</c>, Keras 3 and tf.keras 2.13–2.15).
/// </summary>
/// <remarks>
/// Keras 3 stores a layer's variables under <c>layers/&lt;group&gt;/vars/0..N</c>, where the group is
/// not the layer's name but snake_case(class) plus a counter in layer order
/// (keras/src/saving/saving_lib.py, <c>_save_container_state</c>); a nested model's layers sit under
/// <c>layers/&lt;its group&gt;/layers/...</c>. Newer Keras 3 also writes the layer's name as the
/// <c>name</c> attribute of <c>vars</c>: when it is there, layers are matched by that name. Otherwise
/// the k-th layer of a class takes the k-th group of that class in counter order, which also
/// covers tf.keras 2.13's counters that skip (<c>dense</c>, <c>dense_2</c>, <c>dense_4</c>), its
/// <c>_layer_checkpoint_dependencies</c> for <c>layers</c>, and Windows builds' backslashes
/// (<c>layers\dense</c> as one group name). Within a layer the variables are in Keras's order
/// (Dense: kernel, bias; Normalization: mean, variance, count), and their shapes are checked.
/// </remarks>
internal sealed partial class KerasV3Weights
{
    private const string Entry = "model.weights.h5";
    private static readonly string[] Containers = ["layers", "_layer_checkpoint_dependencies"];
    private readonly Dictionary<KerasLayerNode, (IH5Group Group, string Path)> _groups = new(ReferenceEqualityComparer.Instance);
    private readonly string _file;

    public KerasV3Weights(IH5Group root, KerasLayerNode model, string file)
    {
        _file = file;
        Assign(root, "", model);
    }

    public void Fill(KerasModelBuilder.Binding binding)
    {
        if (!_groups.TryGetValue(binding.Node, out (IH5Group Group, string Path) layer))
        {
            throw new DataFormatException($"The weights hold no group for layer '{binding.Node.Name}' ({binding.Node.ClassName}).", _file, Entry);
        }

        IH5Group vars = KerasHdf5.Child(layer.Group, "vars", _file, layer.Path) as IH5Group
            ?? throw new DataFormatException($"The group of layer '{binding.Node.Name}' has no 'vars'.", _file, layer.Path);
        int present = KerasHdf5.Children(vars, _file, layer.Path).Count;
        int expected = binding.Node.ClassName == "Normalization" ? 3 : binding.Slots.Count;
        if (present != expected && !(binding.Node.ClassName == "Normalization" && present == 2))
        {
            throw new DataFormatException(
                $"Layer '{binding.Node.Name}' ({binding.Node.ClassName}) has {present} variables in the file; its config implies {expected}.", _file, $"{layer.Path}/vars");
        }

        foreach (KerasModelBuilder.WeightSlot slot in binding.Slots)
        {
            string where = $"{layer.Path}/vars/{slot.Index}";
            IH5Dataset dataset = KerasHdf5.Child(vars, slot.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), _file, where) as IH5Dataset
                ?? throw new DataFormatException($"Layer '{binding.Node.Name}' has no variable {slot.Index} ({slot.Kind}).", _file, where);
            KerasHdf5.ReadFloats(dataset, slot.KerasShape, binding.Layer.Parameters[slot.Target].Value.AsSpan(),
                $"The {slot.Kind} of layer '{binding.Node.Name}'", _file, where);
        }
    }

    /// <summary>Pairs each layer of a model (or nested model) with its group under <paramref name="parent"/>.</summary>
    private void Assign(IH5Group parent, string parentPath, KerasLayerNode model)
    {
        List<(string Name, IH5Group Group)> groups = LayerGroups(parent, parentPath);
        var byName = new Dictionary<string, (string, IH5Group)>(StringComparer.Ordinal);
        foreach ((string name, IH5Group group) in groups)
        {
            if (KerasHdf5.Child(group, "vars", _file, parentPath) is IH5Group vars
                && KerasHdf5.StringAttribute(vars, "name", _file, $"{parentPath}/{name}/vars") is { } layerName)
            {
                byName.TryAdd(layerName, (name, group));
            }
        }

        // Per class: the groups in counter order, and how many layers of that class came so far.
        var byClass = groups
            .Select(g => (Match: GroupName().Match(g.Name), g.Name, g.Group))
            .GroupBy(g => g.Match.Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.OrderBy(x => x.Match.Groups[2].Success ? long.Parse(x.Match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : 0).ToList());
        var seen = new Dictionary<string, int>();
        foreach (KerasLayerNode layer in model.Layers!)
        {
            string snake = SnakeCase(layer.ClassName);
            int k = seen.GetValueOrDefault(snake);
            seen[snake] = k + 1;
            (string Name, IH5Group Group)? match = null;
            if (byName.TryGetValue(layer.Name, out (string, IH5Group) named) && GroupName().Match(named.Item1).Groups[1].Value == snake)
            {
                match = named;
            }
            else if (byClass.TryGetValue(snake, out var list) && k < list.Count)
            {
                match = (list[k].Name, list[k].Group);
            }

            if (match is not { } found)
            {
                continue;
            }

            string path = parentPath.Length == 0 ? found.Name : $"{parentPath}/{found.Name}";
            _groups[layer] = (found.Group, path);
            if (layer.IsModel)
            {
                Assign(found.Group, path, layer);
            }
        }
    }

    /// <summary>The layer groups directly under a model's group: children of <c>layers</c>, or names <c>layers\x</c> (Windows).</summary>
    private List<(string Name, IH5Group Group)> LayerGroups(IH5Group parent, string parentPath)
    {
        var result = new List<(string, IH5Group)>();
        foreach (IH5Object child in KerasHdf5.Children(parent, _file, parentPath))
        {
            if (child is not IH5Group group)
            {
                continue;
            }

            string name = child.Name;
            if (Array.IndexOf(Containers, name) >= 0)
            {
                foreach (IH5Object layer in KerasHdf5.Children(group, _file, $"{parentPath}/{name}"))
                {
                    if (layer is IH5Group layerGroup)
                    {
                        result.Add(($"{name}/{layer.Name}", layerGroup));
                    }
                }

                continue;
            }

            foreach (string container in Containers)
            {
                string prefix = container + "\\";
                if (name.StartsWith(prefix, StringComparison.Ordinal) && name.IndexOf('\\', prefix.Length) < 0)
                {
                    result.Add((name, group));
                }
            }
        }

        return result;
    }

    /// <summary>Keras's <c>naming.to_snake_case</c>: <c>Dense</c> → <c>dense</c>, <c>InputLayer</c> → <c>input_layer</c>, <c>LeakyReLU</c> → <c>leaky_re_lu</c>.</summary>
    public static string SnakeCase(string className)
    {
        string name = NonWord().Replace(className, "");
        name = CapitalWord().Replace(name, "$1_$2");
        name = LowerUpper().Replace(name, "$1_$2");
        return name.ToLowerInvariant();
    }

    /// <summary>A group name: the container prefix, the class's snake name, and an optional counter.</summary>
    [GeneratedRegex(@"^(?:(?:layers|_layer_checkpoint_dependencies)[/\\])?(.*?)(?:_(\d{1,9}))?$")]
    private static partial Regex GroupName();

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex CapitalWord();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();
}
