#!/usr/bin/python3
"""Independent reference outputs for the shared Keras corpus (issue 12).

Reads every model file in ../shared/keras_corpus/models with h5py and numpy only (no Keras, no
LogitNet), decides from its config whether it is made only of the layers LogitNet maps (InputLayer,
Dense, Dropout, Activation, Flatten, Reshape, Normalization, Rescaling, from issue 13 Conv2D,
MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, the
sequence layers Conv1D, Max/AveragePooling1D, GlobalAverage/MaxPooling1D, Embedding, SpatialDropout1D/2D;
and Sequential/Functional models that chain them), and for those runs the forward pass in float64 on
seeded inputs. For the
others it records the first unsupported layer (class and name), which LogitNet must name when it
refuses the file. A model whose input leaves axes open (None, e.g. a text model over sequences of
any length) is evaluated with those axes at OPEN_AXIS_SIZE, on inputs drawn from a stream of its own.

Weights are found as Keras itself finds them, written here from Keras's own rules, not from
LogitNet's code:
  * legacy HDF5: model_weights/<layer_names[i]> holds a 'weight_names' list; each name ends in
    '<owner>/<kind>[:0]' (kernel, bias, mean, variance, count); a nested model keeps all its layers'
    weights in its own group.
    Keras 2 names a convolution's 'conv2d_1/kernel:0', a batch normalization's 'gamma', 'beta',
    'moving_mean', 'moving_variance'.
  * .keras: model.weights.h5 has layers/<snake_case(class)>[_<n>]/vars/<i> (Keras 3's
    saving_lib._save_container_state), numbered in layer order per class; tf.keras 2.13 writes
    '_layer_checkpoint_dependencies' for 'layers' and may skip numbers, and Windows builds put
    backslashes in group names. The i-th layer of a class takes the i-th group of that class by
    number. Within a group the variables are in the order the layer creates them: Conv2D kernel,
    bias; BatchNormalization gamma (if scale), beta (if center), moving_mean, moving_variance.

Usage: reference_forward.py CORPUS_DIR OUT_JSON
"""
import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np

SUPPORTED = {"InputLayer", "Dense", "Dropout", "Activation", "Flatten", "Reshape", "Normalization", "Rescaling"}
SUPPORTED |= {"Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "BatchNormalization"}
# Issue 13 (misc helper): activation layers, zero padding and depthwise convolution.
SUPPORTED |= {"ReLU", "LeakyReLU", "Softmax", "ZeroPadding2D", "DepthwiseConv2D"}
MODELS = {"Sequential", "Functional", "Model"}
SAMPLES = 3
SEED = 20260512
# The size an open (None) input axis is evaluated at, such as the sequence length of a text model
# declared with Input(shape=(None,)); recorded per file as input_shape beside declared_input_shape.
OPEN_AXIS_SIZE = 64


def snake(name):
    # keras/src/utils/naming.py to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def read_file(path):
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(path)
        config = json.loads(z.read("config.json"))
        meta = json.loads(z.read("metadata.json"))
        h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        return "keras", config, str(meta.get("keras_version", "")), h5
    if head == b"\x89HDF\r\n\x1a\n":
        h5 = h5py.File(path, "r")
        text = h5.attrs["model_config"]
        text = text.decode() if isinstance(text, bytes) else text
        version = h5.attrs.get("keras_version", b"")
        version = version.decode() if isinstance(version, bytes) else str(version)
        return "h5", json.loads(text), version, h5
    raise ValueError("not a Keras file")


def chain(model):
    """The layers of a Sequential or a chain-shaped Functional model, in order: (class, config, sub-model layers or None)."""
    cls = model["class_name"]
    cfg = model["config"]
    layers = cfg["layers"] if isinstance(cfg, dict) else cfg
    if cls == "Sequential":
        order = layers
    else:
        by_name = {l["config"]["name"] if "name" not in l else l["name"]: l for l in layers}
        def inbound(layer):
            nodes = layer.get("inbound_nodes", [])
            names = []
            for node in nodes:
                if isinstance(node, dict):  # Keras 3
                    for arg in node.get("args", []):
                        stack = [arg]
                        while stack:
                            a = stack.pop()
                            if isinstance(a, dict) and a.get("class_name") == "__keras_tensor__":
                                names.append(a["config"]["keras_history"][0])
                            elif isinstance(a, (list, tuple)):
                                stack.extend(a)
                elif node and isinstance(node[0], str):  # tf.keras 2.x TFOpLambda: one tensor
                    names.append(node[0])
                else:  # Keras 2: a list of [layer, node, tensor, kwargs]
                    for t in node:
                        names.append(t[0])
            return names
        outputs = cfg["output_layers"]
        if isinstance(outputs[0], str):
            outputs = [outputs]
        if len(outputs) != 1:
            return None
        order, name = [], outputs[0][0]
        while True:
            layer = by_name[name]
            order.append(layer)
            ins = inbound(layer)
            if not ins:
                break
            if len(ins) != 1:
                return None
            name = ins[0]
        order.reverse()
    out = []
    for layer in order:
        c = layer["class_name"]
        if c in MODELS:
            inner = chain(layer)
            if inner is None:
                return None
            out.append((c, layer["config"], inner))
        else:
            out.append((c, layer["config"], None))
    return out


def first_unsupported(model):
    cfg = model["config"]
    for layer in (cfg["layers"] if isinstance(cfg, dict) else cfg):
        if layer["class_name"] in MODELS:
            hit = first_unsupported(layer)
            if hit:
                return hit
        elif layer["class_name"] not in SUPPORTED:
            return layer["class_name"], layer["config"].get("name", "")
    return None


def input_shape(model):
    cfg = model["config"]
    layers = cfg["layers"] if isinstance(cfg, dict) else cfg
    for layer in layers:
        c = layer["config"]
        if layer["class_name"] in MODELS:
            s = input_shape(layer)
            if s:
                return s
        for key in ("batch_shape", "batch_input_shape"):
            if c.get(key):
                return list(c[key][1:])
    if isinstance(cfg, dict) and cfg.get("build_input_shape"):
        return list(cfg["build_input_shape"][1:])
    if model.get("build_config", {}).get("input_shape"):
        return list(model["build_config"]["input_shape"][1:])
    return None


class LegacyWeights:
    def __init__(self, h5):
        self.index = {}
        mw = h5["model_weights"] if "model_weights" in h5 else h5
        for group in mw.attrs["layer_names"]:
            group = group.decode() if isinstance(group, bytes) else group
            names = mw[group].attrs.get("weight_names", [])
            for n in names:
                n = n.decode() if isinstance(n, bytes) else n
                parts = n.replace(":0", "").split("/")
                owner = parts[-2] if len(parts) > 1 else group
                self.index[(group, owner, parts[-1])] = np.array(mw[group][n], dtype=np.float64)

    def get(self, scope, layer, kind):
        key = (scope, layer, kind)
        if key in self.index:
            return self.index[key]
        hits = [v for (g, o, k), v in self.index.items() if g == layer and k == kind]
        if len(hits) == 1:
            return hits[0]
        raise KeyError(f"{scope}/{layer}/{kind}")


class KerasWeights:
    KINDS = {"Dense": ["kernel", "bias"], "Normalization": ["mean", "variance", "count"], "DepthwiseConv2D": ["kernel", "bias"]}

    def __init__(self, h5):
        self.h5 = h5

    def groups(self, base):
        """{class snake name: [(number, group)]} of the layer groups under base."""
        found = {}
        def add(name, group):
            m = re.match(r"^(.*?)(?:_(\d+))?$", name)
            found.setdefault(m.group(1), []).append((int(m.group(2) or 0), group))
        for key in base.keys():
            norm = key.replace("\\", "/")
            for prefix in ("layers/", "_layer_checkpoint_dependencies/"):
                if norm.startswith(prefix) and "/" not in norm[len(prefix):]:
                    add(norm[len(prefix):], base[key])
            if key in ("layers", "_layer_checkpoint_dependencies"):
                for sub in base[key].keys():
                    add(sub, base[key][sub])
        for v in found.values():
            v.sort(key=lambda t: t[0])
        return found

    def assign(self, layers, base):
        groups = self.groups(base)
        counters = {}
        result = []
        for cls, cfg, inner in layers:
            s = snake(cls)
            i = counters.get(s, 0)
            counters[s] = i + 1
            candidates = groups.get(s, [])
            group = candidates[i][1] if i < len(candidates) else None
            if inner is not None:
                result.append(self.assign(inner, group))
            else:
                result.append(group)
        return result


def activation(name, x, keras2):
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
        if isinstance(name, dict):
            name = name.get("name")
    if name in ("linear", None):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if name == "selu":
        return 1.0507009873554804934193349852946 * np.where(x > 0, x, 1.6732632423543772848170429916717 * np.expm1(np.minimum(x, 0)))
    if name == "softplus":
        return np.logaddexp(0, x)
    if name == "softsign":
        return x / (1 + np.abs(x))
    if name in ("swish", "silu"):
        return x / (1 + np.exp(-x))
    if name == "hard_sigmoid":
        return np.clip(0.2 * x + 0.5, 0, 1) if keras2 else np.clip(x / 6 + 0.5, 0, 1)
    if name == "exponential":
        return np.exp(x)
    if name == "relu6":
        return np.clip(x, 0, 6)
    if name == "leaky_relu":
        return np.where(x > 0, x, 0.2 * x)
    if name == "gelu":
        from math import erf, sqrt
        return 0.5 * x * (1 + np.vectorize(erf)(x / sqrt(2)))
    if name == "mish":
        return x * np.tanh(np.logaddexp(0, x))
    if name in ("hard_silu", "hard_swish"):
        return x * np.clip(x / 6 + 0.5, 0, 1)
    raise KeyError(f"activation {name}")


# --- Sequence layers (issue 13): Conv1D, 1-D pooling, Embedding, spatial dropout -----------------------
# Written from Keras 3's layer code and TensorFlow's padding rules, not from LogitNet's.

SEQUENCE_LAYERS = {"Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
                   "Embedding", "SpatialDropout1D", "SpatialDropout2D"}
SEQUENCE_KINDS = {"Conv1D": ["kernel", "bias"], "Embedding": ["embeddings"]}


def one(value, default=None):
    """A 1-D size as Keras writes it: an int or a one-element list."""
    if value is None:
        return default
    return int(value[0]) if isinstance(value, (list, tuple)) else int(value)


def sequence_padding(length, size, stride, dilation, padding):
    """(steps padded before, output steps) for TF's "valid"/"same" and Keras's "causal" along one axis."""
    span = (size - 1) * dilation + 1
    padding = padding.lower()
    if padding == "valid":
        return 0, (length - span) // stride + 1
    if padding == "same":
        out = -(-length // stride)
        return max((out - 1) * stride + span - length, 0) // 2, out
    if padding == "causal":  # keras/src/layers/convolutional/conv1d.py: left pad dilation*(k-1), then "valid"
        before = dilation * (size - 1)
        return before, (length + before - span) // stride + 1
    raise KeyError(f"padding {padding}")


def conv1d(cfg, x, w, keras2):
    if cfg.get("data_format", "channels_last") != "channels_last" or cfg.get("groups", 1) != 1:
        raise KeyError("channels_first or grouped Conv1D")
    kernel = w("kernel")  # [k, c, f]
    k, s, d = kernel.shape[0], one(cfg.get("strides"), 1), one(cfg.get("dilation_rate"), 1)
    n, length, c = x.shape
    before, out = sequence_padding(length, k, s, d, cfg.get("padding", "valid"))
    padded = np.zeros((n, before + length + (out - 1) * s + (k - 1) * d + 1, c))
    padded[:, before:before + length] = x
    y = np.zeros((n, out, kernel.shape[2]))
    for t in range(out):
        for j in range(k):
            y[:, t] += padded[:, t * s + j * d] @ kernel[j]
    if cfg.get("use_bias", True):
        y = y + w("bias")
    return activation(cfg.get("activation", "linear"), y, keras2)


def pool1d(cfg, x, mode):
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise KeyError("channels_first pooling")
    size = one(cfg.get("pool_size"), 2)
    stride = one(cfg.get("strides"), size)
    n, length, c = x.shape
    before, out = sequence_padding(length, size, stride, 1, cfg.get("padding", "valid"))
    y = np.zeros((n, out, c))
    for t in range(out):
        lo, hi = max(t * stride - before, 0), min(t * stride - before + size, length)  # padding never counts
        window = x[:, lo:hi]
        y[:, t] = window.max(axis=1) if mode == "max" else window.mean(axis=1)
    return y


def sequence_forward(cls, cfg, x, w, keras2):
    if cls == "Conv1D":
        return conv1d(cfg, x, w, keras2)
    if cls in ("MaxPooling1D", "AveragePooling1D"):
        return pool1d(cfg, x, "max" if cls == "MaxPooling1D" else "mean")
    if cls in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        keep = bool(cfg.get("keepdims", False))
        return x.max(axis=1, keepdims=keep) if cls == "GlobalMaxPooling1D" else x.mean(axis=1, keepdims=keep)
    if cls == "Embedding":
        if cfg.get("mask_zero"):
            raise KeyError("masked Embedding")
        ids = x.astype(np.int64)
        assert (ids == x).all()
        return w("embeddings")[ids]
    if cls in ("SpatialDropout1D", "SpatialDropout2D"):
        return x  # inference: the identity
    raise KeyError(cls)


def sequence_ids(layers, shape, rng):
    """Integer ids (as float32) for a model whose first layer is an Embedding; None for other models."""
    for cls, cfg, inner in layers:
        if inner is not None:
            return sequence_ids(inner, shape, rng)
        if cls == "InputLayer":
            continue
        if cls != "Embedding":
            return None
        return rng.integers(0, int(cfg["input_dim"]), size=(SAMPLES, *shape)).astype(np.float32)
    return None


SUPPORTED |= SEQUENCE_LAYERS
# --- end of the sequence layers -------------------------------------------------------------------------


def forward(layers, x, weights, keras2):
    for (cls, cfg, inner), w in zip(layers, weights):
        if inner is not None:
            x = forward(inner, x, w, keras2)
        elif cls in ("InputLayer", "Dropout"):
            pass
        elif cls == "Dense":
            x = x @ w("kernel")
            if cfg.get("use_bias", True):
                x = x + w("bias")
            x = activation(cfg.get("activation", "linear"), x, keras2)
        elif cls == "Activation":
            x = activation(cfg["activation"], x, keras2)
        elif cls == "Flatten":
            x = x.reshape(x.shape[0], -1)
        elif cls == "Reshape":
            x = x.reshape((x.shape[0],) + tuple(cfg["target_shape"]))
        elif cls == "Rescaling":
            x = x * np.asarray(cfg["scale"], dtype=np.float64) + np.asarray(cfg.get("offset", 0.0), dtype=np.float64)
        elif cls == "Normalization":
            if cfg.get("mean") is not None:
                mean, var = np.asarray(cfg["mean"], np.float64), np.asarray(cfg["variance"], np.float64)
            else:
                mean, var = w("mean"), w("variance")
            if cfg.get("invert"):
                raise KeyError("inverted Normalization")
            x = (x - mean) / np.maximum(np.sqrt(var), 1e-7)
        elif cls in IMAGE_LAYERS:
            x = IMAGE_LAYERS[cls](x, cfg, w, keras2)
        elif cls in SEQUENCE_LAYERS:
            x = sequence_forward(cls, cfg, x, w, keras2)
        elif cls in ("ReLU", "LeakyReLU", "Softmax", "ZeroPadding2D", "DepthwiseConv2D"):
            x = misc_layer(cls, cfg, x, w, keras2)
        else:
            raise KeyError(cls)
    return x


# ---- 2-D image layers (issue 13), from Keras's documented semantics (channels last, TensorFlow's
# "same" padding: out = ceil(in / stride), the padding split with the extra row/column at the end;
# pooling ignores padded positions, so a "same" average divides by the number of real values).

def pair(value, default):
    if value is None:
        return default
    if isinstance(value, int):
        return (value, value)
    value = list(value)
    return (value[0], value[-1])


def pads(size, window, stride, dilation, padding):
    """(output size, padding before, padding after) along one axis."""
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return (size - span) // stride + 1, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


def windows(x, window, strides, dilation, padding, fill):
    """Yields (i, j, view) for each tap of the window: view[n, oh, ow, c] is the input under that tap (fill outside)."""
    (kh, kw), (sh, sw), (dh, dw) = window, strides, dilation
    oh, top, bottom = pads(x.shape[1], kh, sh, dh, padding)
    ow, left, right = pads(x.shape[2], kw, sw, dw, padding)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    for i in range(kh):
        for j in range(kw):
            yield i, j, padded[:, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw, :]


def conv2d(x, cfg, w, keras2):
    if cfg.get("data_format") not in (None, "channels_last") or cfg.get("groups") not in (None, 1):
        raise KeyError("Conv2D channels_first or groups")
    kernel = w("kernel")  # [kh, kw, in, out]
    y = 0
    for i, j, view in windows(x, kernel.shape[:2], pair(cfg.get("strides"), (1, 1)), pair(cfg.get("dilation_rate"), (1, 1)),
                              cfg.get("padding", "valid").lower(), 0.0):
        y = y + view @ kernel[i, j]
    if cfg.get("use_bias", True):
        y = y + w("bias")
    return activation(cfg.get("activation", "linear"), y, keras2)


def max_pool2d(x, cfg, w, keras2):
    size = pair(cfg.get("pool_size"), (2, 2))
    y = None
    for _, _, view in windows(x, size, pair(cfg.get("strides"), size), (1, 1), cfg.get("padding", "valid").lower(), -np.inf):
        y = view if y is None else np.maximum(y, view)
    return y


def average_pool2d(x, cfg, w, keras2):
    size = pair(cfg.get("pool_size"), (2, 2))
    strides, padding = pair(cfg.get("strides"), size), cfg.get("padding", "valid").lower()
    total = sum(view for _, _, view in windows(x, size, strides, (1, 1), padding, 0.0))
    count = sum(view for _, _, view in windows(np.ones_like(x), size, strides, (1, 1), padding, 0.0))
    return total / count


def global_pool2d(reduce):
    def apply(x, cfg, w, keras2):
        return reduce(x, axis=(1, 2), keepdims=bool(cfg.get("keepdims")))
    return apply


def batch_normalization(x, cfg, w, keras2):
    axis = cfg.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, x.ndim - 1):
        raise KeyError(f"BatchNormalization axis {axis}")
    y = (x - w("moving_mean")) / np.sqrt(w("moving_variance") + cfg.get("epsilon", 1e-3))
    if cfg.get("scale", True):
        y = y * w("gamma")
    if cfg.get("center", True):
        y = y + w("beta")
    return y


IMAGE_LAYERS = {
    "Conv2D": conv2d,
    "MaxPooling2D": max_pool2d,
    "AveragePooling2D": average_pool2d,
    "GlobalAveragePooling2D": global_pool2d(np.mean),
    "GlobalMaxPooling2D": global_pool2d(np.max),
    "BatchNormalization": batch_normalization,
}

# The variables of a .keras layer in Keras's order (vars/0, vars/1, ...).
IMAGE_KINDS = {
    "Conv2D": lambda cfg: ["kernel", "bias"] if cfg.get("use_bias", True) else ["kernel"],
    "BatchNormalization": lambda cfg: (["gamma"] if cfg.get("scale", True) else []) + (["beta"] if cfg.get("center", True) else [])
    + ["moving_mean", "moving_variance"],
}


def misc_same_padding(size, kernel, stride, dilation):
    """TensorFlow's "same" rule: output ceil(size / stride), the smaller half of the padding first."""
    span = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


def misc_pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def misc_layer(cls, cfg, x, w, keras2):
    if cls == "ReLU":
        # keras.activations.relu (Keras 3): x·[x > t] clipped to [0, max], minus slope·relu(t − x).
        t, slope, top = cfg.get("threshold", 0.0) or 0.0, cfg.get("negative_slope", 0.0) or 0.0, cfg.get("max_value")
        pos = np.where(x > t, x, 0.0)
        if top is not None:
            pos = np.clip(pos, 0.0, top)
        return pos - slope * np.maximum(t - x, 0.0)
    if cls == "LeakyReLU":
        slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        return np.where(x >= 0, x, slope * x)
    if cls == "Softmax":
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) else axis
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    if cls == "ZeroPadding2D":
        p = cfg["padding"]
        if isinstance(p, int):
            p = [[p, p], [p, p]]
        elif isinstance(p[0], int):
            p = [[p[0], p[0]], [p[1], p[1]]]
        return np.pad(x, [(0, 0), tuple(p[0]), tuple(p[1]), (0, 0)])
    # DepthwiseConv2D: out[n, i, j, c·M + m] = b + Σ_taps x[n, i·s − pad + ky·d, j·s − pad + kx·d, c]·k[ky, kx, c, m].
    try:
        k = w("kernel")
    except KeyError:
        k = w("depthwise_kernel")
    kh, kw, c, m = k.shape
    (sh, sw), (dh, dw) = misc_pair(cfg.get("strides", 1)), misc_pair(cfg.get("dilation_rate", 1))
    n, h, wd, _ = x.shape
    if cfg.get("padding", "valid") == "same":
        oh, top, bottom = misc_same_padding(h, kh, sh, dh)
        ow, left, right = misc_same_padding(wd, kw, sw, dw)
    else:
        oh, top, bottom = (h - (kh - 1) * dh - 1) // sh + 1, 0, 0
        ow, left, right = (wd - (kw - 1) * dw - 1) // sw + 1, 0, 0
    xp = np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)])
    y = np.zeros((n, oh, ow, c, m))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, ky * dh: ky * dh + (oh - 1) * sh + 1: sh, kx * dw: kx * dw + (ow - 1) * sw + 1: sw, :]
            y += patch[..., None] * k[ky, kx]
    y = y.reshape(n, oh, ow, c * m)
    if cfg.get("use_bias", True):
        y = y + w("bias")
    return activation(cfg.get("activation", "linear"), y, keras2)


def bind(layers, source, kind, scope=None):
    """Per layer: a function kind -> weight array (or a list for a sub-model)."""
    out = []
    if kind == "keras":
        groups = source.assign(layers, source.h5) if scope is None else scope
        for (cls, cfg, inner), group in zip(layers, groups):
            if inner is not None:
                out.append(bind(inner, source, kind, group))
            else:
                kinds = IMAGE_KINDS[cls](cfg) if cls in IMAGE_KINDS else KerasWeights.KINDS.get(cls, SEQUENCE_KINDS.get(cls, []))
                def get(k, group=group, kinds=kinds, cls=cls):
                    return np.array(group["vars"][str(kinds.index(k))], dtype=np.float64)
                out.append(get)
    else:
        for cls, cfg, inner in layers:
            name = cfg.get("name")
            if inner is not None:
                out.append(bind(inner, source, kind, name))
            else:
                group = scope or name
                out.append(lambda k, group=group, name=name: source.get(group, name, k))
    return out


class Exact(float):
    """A float printed with the digits given (float32 inputs with 9, float64 outputs with 17)."""

    def __new__(cls, text):
        value = super().__new__(cls, text)
        value.text = text
        return value

    def __repr__(self):
        return self.text


class ExactEncoder(json.JSONEncoder):
    def iterencode(self, o, _one_shot=False):
        # json's C encoder calls float.__repr__ directly; the Python one honours floatstr via repr.
        return json.encoder._make_iterencode(
            {}, self.default, json.encoder.encode_basestring_ascii, self.indent,
            lambda v, **_: repr(v) if isinstance(v, Exact) else float.__repr__(v),
            self.key_separator, self.item_separator, self.sort_keys, self.skipkeys, _one_shot)(o, 0)


def main():
    corpus, out_path = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(SEED)
    results = []
    for file in sorted(os.listdir(corpus)):
        entry = {"file": file}
        try:
            kind, config, version, h5 = read_file(os.path.join(corpus, file))
        except Exception as e:  # noqa: BLE001 - the tally records why
            entry.update(status="unreadable", reason=str(e))
            results.append(entry)
            continue
        entry.update(format=kind, keras_version=version, model_class=config["class_name"])
        bad = first_unsupported(config)
        layers = chain(config)
        shape = input_shape(config)
        if bad:
            entry.update(status="refused", reason="unsupported_layer", keras_class=bad[0], layer_name=bad[1])
        elif layers is None:
            entry.update(status="refused", reason="not_a_chain")
        elif shape is None:
            entry.update(status="refused", reason="unknown_input_shape", input_shape=shape)
        else:
            source = KerasWeights(h5) if kind == "keras" else LegacyWeights(h5)
            weights = bind(layers, source, kind)
            draw = rng
            if any(d is None for d in shape):
                # Open (None) axes: evaluated at one fixed size, which LogitNet is given as
                # LoadOptions.InputShape. A stream of their own keeps the other files' inputs unchanged.
                entry.update(declared_input_shape=shape)
                shape = [OPEN_AXIS_SIZE if d is None else d for d in shape]
                draw = np.random.default_rng([SEED, len(results)])
            x = sequence_ids(layers, shape, draw)
            if x is None:
                x = draw.standard_normal((SAMPLES, *shape)).astype(np.float32)
            y = forward(layers, x.astype(np.float64), weights, version.startswith("2."))
            entry.update(status="loaded", input_shape=shape,
                         input=[Exact(format(float(v), ".9g")) for v in x.ravel()],
                         output_shape=list(y.shape), output=[Exact(format(float(v), ".17g")) for v in y.ravel()])
        results.append(entry)
    with open(out_path, "w") as f:
        # One model per line: reviewable diffs without one number per line.
        f.write('{"generator": "tools/keras_reference/reference_forward.py", "seed": %d, "models": [\n' % SEED)
        f.write(",\n".join(json.dumps(r, cls=ExactEncoder) for r in results))
        f.write("\n]}\n")
    tally = {}
    for r in results:
        key = r["status"] if r["status"] != "refused" else f"refused:{r['reason']}:{r.get('keras_class', '')}"
        tally[key] = tally.get(key, 0) + 1
    for k in sorted(tally):
        print(f"{tally[k]:4d} {k}")


if __name__ == "__main__":
    main()
