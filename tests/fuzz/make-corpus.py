#!/usr/bin/env python3
"""Writes the seed corpus of the .tflite fuzz target: tiny hand-made models.

Each model is built here, field by field, from the TFLite schema
(tensorflow/lite/schema/schema.fbs); nothing comes from a real model file.
Besides two valid graphs (a uint8 one in the style of MobileNetV2 and an int8
one with a QUANTIZE input in the style of EfficientNet-Lite0) it writes the
hostile variants that the reader must refuse with a clean error.  Run it from
anywhere; it rewrites tests/fuzz/corpus/seed-*.fuzz.
"""
import os
import struct

# ---------------------------------------------------------------- FlatBuffers
# A forward writer: a table's children are placed after it, so every uoffset
# is positive, as the format requires.


class Table:
    def __init__(self, *fields):
        # fields: (index, kind, value); kinds: u8 i32 u32 f32 table str
        # vi32 vf32 vi64 vu8 vtable
        self.fields = fields


SCALARS = {"u8": ("<B", 1), "i32": ("<i", 4), "u32": ("<I", 4), "f32": ("<f", 4)}


def build(root, identifier=b"TFL3"):
    out = bytearray(8)
    out[4:8] = identifier
    pending = [(0, root)]  # (position of a uoffset to patch, object)

    def align(n):
        while len(out) % n:
            out.append(0)

    while pending:
        at, obj = pending.pop(0)
        if isinstance(obj, Table):
            fields = sorted(obj.fields, key=lambda f: f[0])
            n = max((f[0] for f in fields), default=-1) + 1
            body = bytearray()
            offsets = [0] * n
            refs = []
            for index, kind, value in fields:
                if kind in SCALARS:
                    fmt, size = SCALARS[kind]
                    while (4 + len(body)) % size:
                        body.append(0)
                    offsets[index] = 4 + len(body)
                    body += struct.pack(fmt, value)
                else:
                    while (4 + len(body)) % 4:
                        body.append(0)
                    offsets[index] = 4 + len(body)
                    refs.append((4 + len(body), kind, value))
                    body += b"\0\0\0\0"
            vtable = struct.pack("<HH", 4 + 2 * n, 4 + len(body)) + b"".join(
                struct.pack("<H", o) for o in offsets)
            align(2)
            vt_pos = len(out)
            out += vtable
            align(4)
            pos = len(out)
            out += struct.pack("<i", pos - vt_pos) + body
            for off, kind, value in refs:
                pending.append((pos + off, (kind, value)))
        else:
            kind, value = obj
            if kind == "table":
                align(4)
                pending.insert(0, (at, value))
                continue
            align(8 if kind == "vi64" else 4)
            pos = len(out)
            if kind == "str":
                data = value.encode()
                out += struct.pack("<I", len(data)) + data + b"\0"
            elif kind == "vu8":
                out += struct.pack("<I", len(value)) + bytes(value)
            elif kind in ("vi32", "vf32", "vi64"):
                fmt = {"vi32": "<i", "vf32": "<f", "vi64": "<q"}[kind]
                out += struct.pack("<I", len(value)) + b"".join(struct.pack(fmt, v) for v in value)
            elif kind == "vtable":
                out += struct.pack("<I", len(value))
                for i, t in enumerate(value):
                    slot = len(out)
                    out += b"\0\0\0\0"
                    pending.append((slot, t))
            struct.pack_into("<I", out, at, pos - at)
            continue
        struct.pack_into("<I", out, at, pos - at)
    return bytes(out)


# ---------------------------------------------------------------- TFLite
UINT8, INT32, INT8 = 3, 2, 9
CONV_2D, DEPTHWISE_CONV_2D, ADD, AVERAGE_POOL_2D, MEAN = 3, 4, 0, 1, 40
RESHAPE, FULLY_CONNECTED, SOFTMAX, QUANTIZE = 22, 9, 25, 114


def tensor(shape, type_, buffer, name, scale=None, zero=None, dim=0):
    fields = [(0, "vi32", shape), (1, "u8", type_), (2, "u32", buffer), (3, "str", name)]
    if scale is not None:
        fields.append((4, "table", Table((2, "vf32", scale), (3, "vi64", zero), (6, "i32", dim))))
    return Table(*fields)


def operator(opcode, inputs, outputs, options_type=0, options=None):
    fields = [(0, "u32", opcode), (1, "vi32", inputs), (2, "vi32", outputs)]
    if options is not None:
        fields += [(3, "u8", options_type), (4, "table", options)]
    return Table(*fields)


def model(codes, tensors, inputs, outputs, operators, buffers):
    return Table(
        (0, "u32", 3),
        (1, "vtable", [Table((0, "u8", min(c, 127)), (3, "i32", c)) for c in codes]),
        (2, "vtable", [Table((0, "vtable", tensors), (1, "vi32", inputs), (2, "vi32", outputs),
                             (3, "vtable", operators), (4, "str", "main"))]),
        (4, "vtable", [Table()] + [Table((0, "vu8", b)) for b in buffers]))


def pattern(n, lo, hi):
    return bytes(lo + (i * 37) % (hi - lo + 1) for i in range(n))


def int32s(values):
    return b"".join(struct.pack("<i", v) for v in values)


def uint8_model(conv_code=CONV_2D, in_shape=(1, 8, 8, 3), filter_shape=(4, 3, 3, 3),
                filter_bytes=108, identifier=b"TFL3", bad_input=None):
    """uint8, per-tensor scales: conv 3×3/2 SAME → depthwise 3×3 → ADD →
    AVERAGE_POOL (global) → RESHAPE → FULLY_CONNECTED → SOFTMAX."""
    codes = [conv_code, DEPTHWISE_CONV_2D, ADD, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX]
    q = lambda s, z: (s, z)  # noqa: E731
    t = [
        tensor(list(in_shape), UINT8, 0, "input", [1 / 128], [128]),
        tensor(list(filter_shape), UINT8, 1, "conv/w", [0.02], [120]),
        tensor([4], INT32, 2, "conv/b", [1 / 128 * 0.02], [0]),
        tensor([1, 4, 4, 4], UINT8, 0, "conv", [6 / 255], [0]),
        tensor([1, 3, 3, 4], UINT8, 3, "dw/w", [0.05], [128]),
        tensor([4], INT32, 4, "dw/b", [6 / 255 * 0.05], [0]),
        tensor([1, 4, 4, 4], UINT8, 0, "dw", [6 / 255], [0]),
        tensor([1, 4, 4, 4], UINT8, 0, "add", [12 / 255], [0]),
        tensor([1, 1, 1, 4], UINT8, 0, "pool", [12 / 255], [0]),
        tensor([1, 4], UINT8, 0, "flat", [12 / 255], [0]),
        tensor([3, 4], UINT8, 5, "fc/w", [0.01], [127]),
        tensor([3], INT32, 6, "fc/b", [12 / 255 * 0.01], [0]),
        tensor([1, 3], UINT8, 0, "logits", [0.1], [128]),
        tensor([1, 3], UINT8, 0, "probs", [1 / 256], [0]),
        tensor([2], INT32, 7, "shape"),
    ]
    conv = Table((0, "u8", 0), (1, "i32", 2), (2, "i32", 2), (3, "u8", 3))
    dw = Table((0, "u8", 0), (1, "i32", 1), (2, "i32", 1), (3, "i32", 1), (4, "u8", 3))
    pool = Table((0, "u8", 1), (1, "i32", 1), (2, "i32", 1), (3, "i32", 4), (4, "i32", 4))
    ops = [
        operator(0, [0, 1, 2] if bad_input is None else bad_input, [3], 1, conv),
        operator(1, [3, 4, 5], [6], 2, dw),
        operator(2, [3, 6], [7], 11, Table((0, "u8", 0))),
        operator(3, [7], [8], 5, pool),
        operator(4, [8, 14], [9], 17, Table((0, "vi32", [1, 4]))),
        operator(5, [9, 10, 11], [12], 8, Table((0, "u8", 0))),
        operator(6, [12], [13], 9, Table((0, "f32", 1.0))),
    ]
    buffers = [pattern(filter_bytes, 100, 140), int32s([5, -3, 0, 7]), pattern(36, 110, 146),
               int32s([1, 2, 3, 4]), pattern(12, 120, 134), int32s([0, 10, -10]),
               int32s([1, 4])]
    return build(model(codes, t, [0], [13], ops, buffers), identifier)


def int8_model():
    """int8, per-channel scales, a QUANTIZE input as in EfficientNet-Lite0:
    QUANTIZE → conv 1×1 → depthwise 5×5/2 → MEAN → FULLY_CONNECTED → SOFTMAX."""
    codes = [QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, MEAN, FULLY_CONNECTED, SOFTMAX]
    t = [
        tensor([1, 6, 6, 3], UINT8, 0, "input", [1 / 128], [128]),
        tensor([1, 6, 6, 3], INT8, 0, "quant", [1 / 128], [0]),
        tensor([4, 1, 1, 3], INT8, 1, "pw/w", [0.01, 0.02, 0.03, 0.04], [0, 0, 0, 0], 0),
        tensor([4], INT32, 2, "pw/b", [1e-4, 2e-4, 3e-4, 4e-4], [0, 0, 0, 0], 0),
        tensor([1, 6, 6, 4], INT8, 0, "pw", [6 / 255], [-128]),
        tensor([1, 5, 5, 4], INT8, 3, "dw/w", [0.01, 0.02, 0.03, 0.04], [0, 0, 0, 0], 3),
        tensor([4], INT32, 4, "dw/b", [1e-4, 2e-4, 3e-4, 4e-4], [0, 0, 0, 0], 0),
        tensor([1, 3, 3, 4], INT8, 0, "dw", [6 / 255], [-128]),
        tensor([2], INT32, 5, "axes"),
        tensor([1, 4], INT8, 0, "mean", [6 / 255], [-128]),
        tensor([2, 4], INT8, 6, "fc/w", [0.02], [0]),
        tensor([1, 2], INT8, 0, "logits", [0.1], [0]),
        tensor([1, 2], INT8, 0, "probs", [1 / 256], [-128]),
    ]
    ops = [
        operator(0, [0], [1]),
        operator(1, [1, 2, 3], [4], 1, Table((0, "u8", 0), (1, "i32", 1), (2, "i32", 1), (3, "u8", 3))),
        operator(2, [4, 5, 6], [7], 2, Table((0, "u8", 0), (1, "i32", 2), (2, "i32", 2), (3, "i32", 1),
                                             (4, "u8", 3))),
        operator(3, [7, 8], [9], 27, Table((0, "u8", 0))),
        operator(4, [9, 10, -1], [11], 8, Table((0, "u8", 0))),
        operator(5, [11], [12], 9, Table((0, "f32", 1.0))),
    ]
    buffers = [bytes((i * 29) % 200 for i in range(12)), int32s([1, -2, 3, -4]),
               bytes((i * 13) % 100 for i in range(100)), int32s([0, 0, 5, 5]),
               int32s([1, 2]), bytes((i * 7) % 50 for i in range(8))]
    return build(model(codes, t, [0], [12], ops, buffers))


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(here, exist_ok=True)
    valid = uint8_model()
    seeds = {
        "valid-uint8": valid,
        "valid-int8": int8_model(),
        "wrong-identifier": uint8_model(identifier=b"TFL2"),
        "unsupported-resize-bilinear": uint8_model(conv_code=23),
        "absurd-shape": uint8_model(in_shape=(1, 100000000, 8, 3)),
        "huge-product-shape": uint8_model(in_shape=(1, 65536, 65536, 3)),
        "buffer-too-small": uint8_model(filter_bytes=50),
        "wrong-filter-shape": uint8_model(filter_shape=(4, 3, 3, 5), filter_bytes=180),
        "input-index-out-of-bounds": uint8_model(bad_input=[0, 99, 2]),
        "reads-unwritten-tensor": uint8_model(bad_input=[7, 1, 2]),
        "truncated-half": valid[: len(valid) // 2],
        "truncated-header": valid[:12],
    }
    for name, data in seeds.items():
        assert len(data) < 4096, name
        with open(os.path.join(here, "seed-" + name + ".fuzz"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
