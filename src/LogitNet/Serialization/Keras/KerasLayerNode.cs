using System.Text.Json;

namespace LogitNet.Serialization.Keras;

/// <summary>One layer of a Keras model config, or a nested model with its own layers in chain order.</summary>
/// <param name="ClassName">Keras's class name, such as <c>Dense</c>.</param>
/// <param name="Name">The layer's name in the config.</param>
/// <param name="Config">The layer's <c>config</c> object.</param>
/// <param name="Layers">For a nested Sequential or Functional model, its layers in the order data flows; otherwise null.</param>
internal sealed record KerasLayerNode(string ClassName, string Name, JsonElement Config, IReadOnlyList<KerasLayerNode>? Layers)
{
    public bool IsModel => Layers is not null;
}
