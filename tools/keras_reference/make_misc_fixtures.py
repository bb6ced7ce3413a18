#!/usr/bin/python3
"""A tf.keras-style legacy HDF5 fixture for issue 13's ReLU, LeakyReLU, Softmax, ZeroPadding2D and
DepthwiseConv2D (misc helper), with h5py only.

misc_tfkeras.h5 is laid out as tf.keras 2.x writes a full model (the layout of corpus file 008, a
Teachable Machine export whose MobileNet uses these layers): root attributes keras_version,
backend and model_config (tf.keras's class configs: batch_input_shape, LeakyReLU's 'alpha',
DepthwiseConv2D's 'groups', VarianceScaling initializers, L2 and L1L2 regularizers as tf.keras writes them), model_weights with layer_names, each
layer group listing its weight_names as 'layer/kind:0' ('depthwise_kernel' for the depthwise layers).
Weights are seeded. Its reference output comes from reference_forward.py like the corpus's.

Usage: make_misc_fixtures.py OUT_DIR
"""
import json
import os
import sys

import h5py
import numpy as np


def misc_tfkeras(out):
    rng = np.random.default_rng(13)
    scaling = {"class_name": "VarianceScaling", "config": {"scale": 1, "mode": "fan_avg", "distribution": "uniform", "seed": None}}
    zeros = {"class_name": "Zeros", "config": {}}

    def depthwise(name, kernel, strides, padding, multiplier, dilation, activation, use_bias):
        return {"class_name": "DepthwiseConv2D", "config": {
            "name": name, "trainable": True, "dtype": "float32", "kernel_size": kernel, "strides": strides, "padding": padding,
            "data_format": "channels_last", "dilation_rate": dilation, "groups": 1, "activation": activation, "use_bias": use_bias,
            "bias_initializer": zeros, "bias_regularizer": None, "activity_regularizer": None, "bias_constraint": None,
            "depth_multiplier": multiplier, "depthwise_initializer": scaling, "depthwise_constraint": None,
            "depthwise_regularizer": {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.002}} if name == "dw_same" else None}}

    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 9, 7, 3], "dtype": "float32", "sparse": False, "ragged": False, "name": "image"}},
        {"class_name": "ZeroPadding2D", "config": {"name": "pad", "trainable": True, "dtype": "float32", "padding": [[0, 1], [0, 1]], "data_format": "channels_last"}},
        depthwise("dw_same", [3, 3], [2, 2], "same", 2, [1, 1], "linear", True),
        {"class_name": "ReLU", "config": {"name": "relu6", "trainable": True, "dtype": "float32", "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}},
        depthwise("dw_dilated", [2, 2], [1, 1], "valid", 1, [2, 2], "relu", False),
        {"class_name": "LeakyReLU", "config": {"name": "leaky", "trainable": True, "dtype": "float32", "alpha": 0.1}},
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "dtype": "float32", "data_format": "channels_last"}},
        {"class_name": "Dense", "config": {"name": "logits", "trainable": True, "dtype": "float32", "units": 4, "activation": "linear", "use_bias": True,
                                           "kernel_initializer": scaling, "bias_initializer": zeros,
                                           "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.009999999776482582}}, "bias_regularizer": None,
                                           "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
        {"class_name": "Softmax", "config": {"name": "probabilities", "trainable": True, "dtype": "float32", "axis": -1}},
    ]
    config = {"class_name": "Sequential", "config": {"name": "misc", "layers": layers}}
    # Shapes: 9x7x3 -> pad 10x8x3 -> dw_same (stride 2, x2) 5x4x6 -> dw_dilated (2x2, dilation 2) 3x2x6 -> 36 -> 4.
    weights = {
        "pad": [], "relu6": [], "leaky": [], "flatten": [], "probabilities": [],
        "dw_same": [("depthwise_kernel", (3, 3, 3, 2)), ("bias", (6,))],
        "dw_dilated": [("depthwise_kernel", (2, 2, 6, 1))],
        "logits": [("kernel", (36, 4)), ("bias", (4,))],
    }
    with h5py.File(os.path.join(out, "misc_tfkeras.h5"), "w") as h5:
        h5.attrs["keras_version"] = b"2.15.0"
        h5.attrs["backend"] = b"tensorflow"
        h5.attrs["model_config"] = json.dumps(config).encode()
        mw = h5.create_group("model_weights")
        mw.attrs["keras_version"] = b"2.15.0"
        mw.attrs["backend"] = b"tensorflow"
        names = [layer["config"]["name"] for layer in layers[1:]]
        mw.attrs["layer_names"] = np.array([n.encode() for n in names])
        for name in names:
            group = mw.create_group(name)
            listed = []
            for kind, shape in weights[name]:
                path = f"{name}/{kind}:0"
                group[path] = (rng.standard_normal(shape) * 0.5).astype(np.float32)
                listed.append(path.encode())
            group.attrs["weight_names"] = np.array(listed, dtype=f"|S{max([len(p) for p in listed] + [1])}")


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    misc_tfkeras(sys.argv[1])
