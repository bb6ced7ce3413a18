"""Reads what LogitNet wrote, with numpy only, and prints each array's shape and the SHA-256 of its
little-endian bytes as JSON: make_references.sh commits its output, and NumpyInteropTests compares it
with LogitNet's own.

Usage: read_with_numpy.py MODEL.logitnet ARRAY.npy
  The model is a zip; its model.safetensors entry (the weights) and, if present, its
  training_state.safetensors entry (optimizer state, under "training_state") are parsed by hand
  (8-byte header length, JSON header, raw data), which is all the safetensors format is.
  Integer tensors also give their values.
"""
import hashlib
import json
import struct
import sys
import zipfile

import numpy as np


DTYPES = {"F32": "<f4", "I64": "<i8", "U64": "<u8"}


def safetensors(blob):
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return out


def describe(array):
    result = {"shape": list(array.shape), "sha256": hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()}
    if array.dtype.kind in "iu":
        result["values"] = [str(v) for v in array.reshape(-1)]
    return result


model_path, npy_path = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(model_path) as archive:
    tensors = safetensors(archive.read("model.safetensors"))
    names = archive.namelist()
    state = safetensors(archive.read("training_state.safetensors")) if "training_state.safetensors" in names else None
result = {name: describe(value) for name, value in tensors.items()}
if state is not None:
    result["training_state"] = {name: describe(value) for name, value in state.items()}
result["npy"] = describe(np.load(npy_path, allow_pickle=False))
print(json.dumps(result))
