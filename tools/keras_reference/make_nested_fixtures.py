#!/usr/bin/python3
"""Nested-model fixtures for the Keras import tests (issue 12), with h5py only.

The corpus's two nested models (Teachable Machine exports) put a MobileNet in front of their dense
head, so they are refused for their convolutions. These fixtures keep the parts LogitNet loads:

* teachable_head.h5: corpus file 008 with its first nested model (the MobileNet) removed. The outer
  Sequential, the nested 'sequential_11' config and its weights group (kernel and bias of
  dense_Dense5, kernel of dense_Dense6, all in the nested model's one group) are copied byte for
  byte, attributes included.
* nested_keras3.keras: a Keras 3 .keras file whose Sequential holds a Sequential, laid out by
  Keras 3's saving_lib rules (layers/sequential/layers/dense/vars/0 ...), with seeded weights.

Usage: make_nested_fixtures.py CORPUS_MODELS_DIR OUT_DIR
"""
import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np


def teachable_head(corpus, out):
    source = h5py.File(os.path.join(corpus, "008_0N1cky1__teachable-machine__keras_model.h5"), "r")
    config = json.loads(source.attrs["model_config"])
    head = config["config"]["layers"][2]
    assert head["config"]["name"] == "sequential_11"
    config["config"]["layers"] = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 1280], "dtype": "float32", "sparse": False,
                                                "ragged": False, "name": "sequential_11_input"}},
        head,
    ]
    with h5py.File(os.path.join(out, "teachable_head.h5"), "w") as target:
        for key, value in source.attrs.items():
            target.attrs[key] = value
        target.attrs["model_config"] = json.dumps(config).encode()
        weights = target.create_group("model_weights")
        for key, value in source["model_weights"].attrs.items():
            weights.attrs[key] = value
        weights.attrs["layer_names"] = np.array([b"sequential_11"], dtype="|S13")
        source.copy(source["model_weights/sequential_11"], weights, "sequential_11")


def nested_keras3(out):
    rng = np.random.default_rng(7)
    dtype = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}

    def dense(name, units, activation, fan_in):
        return {"module": "keras.layers", "class_name": "Dense",
                "config": {"name": name, "trainable": True, "dtype": dtype, "units": units, "activation": activation,
                           "use_bias": True, "kernel_initializer": None, "bias_initializer": None,
                           "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
                           "bias_constraint": None},
                "registered_name": None, "build_config": {"input_shape": [None, fan_in]}}

    inner = {"module": "keras", "class_name": "Sequential",
             "config": {"name": "head", "trainable": True, "dtype": dtype,
                        "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                                    "config": {"batch_shape": [None, 20], "dtype": "float32", "sparse": False, "ragged": False, "name": "head_input"},
                                    "registered_name": None},
                                   dense("head_hidden", 6, "selu", 20), dense("head_output", 3, "softmax", 6)]},
             "registered_name": None, "build_config": {"input_shape": [None, 20]}}
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "outer", "trainable": True, "dtype": dtype,
                         "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                                     "config": {"batch_shape": [None, 12], "dtype": "float32", "sparse": False, "ragged": False, "name": "outer_input"},
                                     "registered_name": None},
                                    dense("outer_dense", 20, "tanh", 12), inner]},
              "registered_name": None, "build_config": {"input_shape": [None, 12]}}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        # saving_lib: each container's layers are named snake_case(class) + counter, in layer order.
        for path, shape in [("layers/dense", (12, 20)), ("layers/sequential/layers/dense", (20, 6)), ("layers/sequential/layers/dense_1", (6, 3))]:
            group = h5.create_group(path + "/vars")
            group["0"] = rng.standard_normal(shape).astype(np.float32) * 0.5
            group["1"] = rng.standard_normal(shape[1:]).astype(np.float32) * 0.1
        h5.create_group("layers/sequential/vars")
        h5.create_group("vars")
    with zipfile.ZipFile(os.path.join(out, "nested_keras3.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.10.0", "date_saved": "2026-12-03@12:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buffer.getvalue())


if __name__ == "__main__":
    os.makedirs(sys.argv[2], exist_ok=True)
    teachable_head(sys.argv[1], sys.argv[2])
    nested_keras3(sys.argv[2])
