#!/usr/bin/env python3
"""The PyTorch peer of the extractor benchmark: the plain pipeline a user would write.

Each review goes through both checkpoints one at a time (batch 1) in a BERT encoder written in PyTorch (the
layers of Hugging Face's BertModel: embeddings = word + position + token type, LayerNorm; per layer scaled
dot-product self-attention + output dense + residual + LayerNorm, then dense + exact (erf) GELU + dense +
residual + LayerNorm), whose weights are the ONNX file's own initializers; every layer's hidden state
(embeddings first) is mean-pooled over the attention mask, as the extractor does.

There is no Hugging Face hub here, hence no `transformers`: the weights come from the very ONNX files the
extractor runs (read straight from the langchain4j jars), and the token ids are the extractor's own
(ReviewTokenizer), written by the Java harness into --inputs, together with the extractor's pooled vectors
for the first reviews. Those are compared before anything is timed: the run stops if the largest absolute
difference exceeds --tolerance.

Not part of the project's build or tests; torch is optional (deploy/bench-pytorch says how to install it).
Run through deploy/bench-pytorch (alone) or deploy/bench-extractor --pytorch (alternating with the extractor).
--serve: after loading and verifying, prints "ready", then runs one timed round per "run" line read from stdin
and answers "round <seconds> <checkpoint>=<seconds> ..." (how ExtractorBench drives it).
"""
import argparse
import json
import math
import os
import struct
import sys
import time
import zipfile

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("pytorch peer: torch is not installed for " + sys.executable + "\n"
                     "  install the CPU wheel:  " + sys.executable + " -m pip install torch"
                     "  (from PyPI; elsewhere: --index-url https://download.pytorch.org/whl/cpu)\n"
                     "  or point BENCH_PYTHON at a Python that has it\n")
    sys.exit(3)


# ------------------------------------------------------------------ ONNX protobuf, just what is needed here
# ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto input 1, output 2, op_type 4,
# attribute 5; AttributeProto.t = 5; TensorProto dims 1, data_type 2, float_data 4, int64_data 7, name 8,
# raw_data 9, data_location 14.

def _varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def _fields(b):
    i, n = 0, len(b)
    while i < n:
        key, i = _varint(b, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(b, i)
        elif wire == 1:
            v, i = b[i:i + 8], i + 8
        elif wire == 5:
            v, i = b[i:i + 4], i + 4
        elif wire == 2:
            length, i = _varint(b, i)
            v, i = b[i:i + length], i + length
        else:
            raise ValueError("unsupported protobuf wire type %d" % wire)
        yield field, wire, v


def _tensor(b):
    dims, dtype, name, raw, floats, longs = [], 0, "", None, [], []
    for f, w, v in _fields(b):
        if f == 1:
            dims.append(v)
        elif f == 2:
            dtype = v
        elif f == 4:
            floats.extend(struct.unpack("<%df" % (len(v) // 4), v) if w == 2 else struct.unpack("<f", v))
        elif f == 7:
            longs.extend(_packed_varints(v) if w == 2 else [v])
        elif f == 8:
            name = bytes(v).decode()
        elif f == 9:
            raw = v
        elif f == 14 and v == 1:
            raise ValueError("tensor %s has external data; this peer reads self-contained ONNX files" % name)
    if dtype == 1:  # FLOAT
        t = torch.frombuffer(bytearray(raw), dtype=torch.float32) if raw is not None else torch.tensor(floats)
    elif dtype == 7:  # INT64
        t = torch.frombuffer(bytearray(raw), dtype=torch.int64) if raw is not None else torch.tensor(longs)
    else:
        raise ValueError("tensor %s has data type %d (only float and int64 are read)" % (name, dtype))
    return name, t.reshape(dims) if dims else t.reshape(())


def _packed_varints(b):
    out, i = [], 0
    while i < len(b):
        v, i = _varint(b, i)
        out.append(v)
    return out


def read_onnx(model_bytes):
    """(initializers by name, nodes as (op, inputs, outputs, constant value or None))."""
    graph = next(v for f, w, v in _fields(memoryview(model_bytes)) if f == 7)
    inits, nodes = {}, []
    for f, w, v in _fields(graph):
        if f == 5:
            name, t = _tensor(v)
            inits[name] = t
        elif f == 1:
            op, ins, outs, value = "", [], [], None
            for f2, w2, v2 in _fields(v):
                if f2 == 1:
                    ins.append(bytes(v2).decode())
                elif f2 == 2:
                    outs.append(bytes(v2).decode())
                elif f2 == 4:
                    op = bytes(v2).decode()
                elif f2 == 5:
                    for f3, w3, v3 in _fields(v2):
                        if f3 == 5:
                            value = _tensor(v3)[1]
            nodes.append((op, ins, outs, value))
    return inits, nodes


# ------------------------------------------------------------------ the encoder

class BertEncoder:
    """BertModel's forward (eval mode), weights from a Hugging Face BERT ONNX export (optimum / torch.onnx)."""

    def __init__(self, model_bytes, name):
        inits, nodes = read_onnx(model_bytes)
        self.name = name
        produced_by = {outs[0]: (op, ins, value) for op, ins, outs, value in nodes if outs}

        def weight_of(matmul_output):
            op, ins, _ = produced_by.get(matmul_output, (None, None, None))
            if op != "MatMul" or ins[1] not in inits:
                raise ValueError("%s: %s is not a MatMul with an initializer weight; not the BERT export this"
                                 " peer understands" % (name, matmul_output))
            return inits[ins[1]].t().contiguous()  # ONNX stores [in, out]; F.linear wants [out, in]

        def constant(output):
            op, _, value = produced_by.get(output, (None, None, None))
            if op != "Constant":
                raise ValueError("%s: %s is not a Constant" % (name, output))
            return value

        def init(key):
            if key not in inits:
                raise ValueError("%s: no initializer %s" % (name, key))
            return inits[key]

        ops = {op for op, _, _, _ in nodes}
        if "Erf" not in ops:
            raise ValueError(name + ": no Erf node: the GELU here is not the exact one this peer implements")
        self.word = init("embeddings.word_embeddings.weight")
        self.position = init("embeddings.position_embeddings.weight")
        self.token_type = init("embeddings.token_type_embeddings.weight")
        self.emb_ln = (init("embeddings.LayerNorm.weight"), init("embeddings.LayerNorm.bias"))
        self.emb_eps = float(constant("/embeddings/LayerNorm/Constant_1_output_0"))
        self.layers = []
        i = 0
        while ("encoder.layer.%d.attention.self.query.bias" % i) in inits:
            p, q = "encoder.layer.%d." % i, "/encoder/layer.%d/" % i
            heads = int(constant(q + "attention/self/Constant_2_output_0").reshape(-1)[0])
            scale = float(constant(q + "attention/self/Constant_12_output_0"))
            self.layers.append(dict(
                heads=heads,
                scale=scale,
                wq=weight_of(q + "attention/self/query/MatMul_output_0"), bq=init(p + "attention.self.query.bias"),
                wk=weight_of(q + "attention/self/key/MatMul_output_0"), bk=init(p + "attention.self.key.bias"),
                wv=weight_of(q + "attention/self/value/MatMul_output_0"), bv=init(p + "attention.self.value.bias"),
                wo=weight_of(q + "attention/output/dense/MatMul_output_0"), bo=init(p + "attention.output.dense.bias"),
                ln1=(init(p + "attention.output.LayerNorm.weight"), init(p + "attention.output.LayerNorm.bias")),
                eps1=float(constant(q + "attention/output/LayerNorm/Constant_1_output_0")),
                wi=weight_of(q + "intermediate/dense/MatMul_output_0"), bi=init(p + "intermediate.dense.bias"),
                wout=weight_of(q + "output/dense/MatMul_output_0"), bout=init(p + "output.dense.bias"),
                ln2=(init(p + "output.LayerNorm.weight"), init(p + "output.LayerNorm.bias")),
                eps2=float(constant(q + "output/LayerNorm/Constant_1_output_0")),
            ))
            i += 1
        if not self.layers:
            raise ValueError(name + ": no encoder.layer.N weights")
        self.dim = self.word.shape[1]
        lay = self.layers[0]
        if abs(lay["scale"] - math.sqrt(self.dim // lay["heads"])) > 1e-4:
            raise ValueError("%s: attention scale %g is not sqrt(head dim)" % (name, lay["scale"]))

    def describe(self):
        lay = self.layers[0]
        return ("%d layers x %d, %d heads, LayerNorm eps %g, exact GELU, SDPA attention"
                % (len(self.layers), self.dim, lay["heads"], lay["eps1"]))

    def hidden_states(self, input_ids, token_type_ids, attention_mask):
        """Every hidden state [batch, seq, dim], embeddings first (BertModel's output_hidden_states)."""
        b, s = input_ids.shape
        positions = torch.arange(s).unsqueeze(0)
        h = self.word[input_ids] + self.token_type[token_type_ids] + self.position[positions]
        h = F.layer_norm(h, (self.dim,), *self.emb_ln, eps=self.emb_eps)
        states = [h]
        # BertModel's extended mask: 0 where attended, the dtype's lowest value where padded
        bias = (1.0 - attention_mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
        for lay in self.layers:
            n, d = lay["heads"], self.dim // lay["heads"]
            q = F.linear(h, lay["wq"], lay["bq"]).view(b, s, n, d).transpose(1, 2)
            k = F.linear(h, lay["wk"], lay["bk"]).view(b, s, n, d).transpose(1, 2)
            v = F.linear(h, lay["wv"], lay["bv"]).view(b, s, n, d).transpose(1, 2)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            a = a.transpose(1, 2).reshape(b, s, self.dim)
            h = F.layer_norm(F.linear(a, lay["wo"], lay["bo"]) + h, (self.dim,), *lay["ln1"], eps=lay["eps1"])
            f = F.linear(F.gelu(F.linear(h, lay["wi"], lay["bi"])), lay["wout"], lay["bout"])
            h = F.layer_norm(f + h, (self.dim,), *lay["ln2"], eps=lay["eps2"])
            states.append(h)
        return states

    def pooled(self, input_ids, token_type_ids, attention_mask):
        """Every layer's mean over the attention mask: [batch, layers + 1, dim]."""
        m = attention_mask.to(torch.float32).unsqueeze(-1)
        count = m.sum(dim=1)
        states = self.hidden_states(input_ids, token_type_ids, attention_mask)
        return torch.stack([(h * m).sum(dim=1) / count for h in states], dim=1)


# ------------------------------------------------------------------ inputs, verification, timing

def model_bytes(spec):
    if "jar" in spec:
        with zipfile.ZipFile(spec["jar"]) as z:
            return z.read(spec["entry"])
    with open(spec["file"], "rb") as f:
        return f.read()


def load(inputs):
    with open(os.path.join(inputs, "manifest.json")) as f:
        manifest = json.load(f)
    checkpoints = []
    for c in manifest["checkpoints"]:
        encoder = BertEncoder(model_bytes(c["model"]), c["name"])
        with open(os.path.join(inputs, c["tokens"])) as f:
            tokens = json.load(f)
        reviews = [(torch.tensor([ids]), torch.tensor([types]))
                   for ids, types in zip(tokens["inputIds"], tokens["tokenTypeIds"])]
        with open(os.path.join(inputs, c["reference"]), "rb") as f:
            ref = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
        ref = ref.reshape(c["referenceReviews"], c["layers"], c["dim"])
        checkpoints.append(dict(name=c["name"], encoder=encoder, reviews=reviews, reference=ref))
    return manifest, checkpoints


def verify(checkpoints, tolerance):
    worst = 0.0
    for c in checkpoints:
        ref = c["reference"]
        if ref.shape[1] != len(c["encoder"].layers) + 1 or ref.shape[2] != c["encoder"].dim:
            raise SystemExit("pytorch peer: %s: the extractor pools %s, this encoder has %d x %d"
                             % (c["name"], tuple(ref.shape[1:]), len(c["encoder"].layers) + 1, c["encoder"].dim))
        diff = 0.0
        with torch.inference_mode():
            for r in range(ref.shape[0]):
                ids, types = c["reviews"][r]
                got = c["encoder"].pooled(ids, types, torch.ones_like(ids))[0]
                diff = max(diff, (got - ref[r]).abs().max().item())
        print("  verified   %s: %s; %d reviews against the extractor's pooled vectors (every layer):"
              " max abs difference %.2e (tolerance %.0e)" % (c["name"], c["encoder"].describe(), ref.shape[0],
                                                              diff, tolerance), flush=True)
        worst = max(worst, diff)
    if worst > tolerance:
        raise SystemExit("pytorch peer: the torch vectors differ from the extractor's by %.2e > %.0e: not timing"
                         % (worst, tolerance))


def one_round(checkpoints):
    """Every review through every checkpoint, batch 1; the pooled vectors are copied out as the extractor does."""
    per = []
    started = time.perf_counter()
    with torch.inference_mode():
        for c in checkpoints:
            t0 = time.perf_counter()
            enc = c["encoder"]
            for ids, types in c["reviews"]:
                enc.pooled(ids, types, torch.ones_like(ids)).numpy().copy()
            per.append((c["name"], time.perf_counter() - t0))
    return time.perf_counter() - started, per


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", required=True, help="folder written by the Java harness (manifest.json)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 = torch's default")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--serve", action="store_true", help="one round per 'run' line on stdin")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    manifest, checkpoints = load(args.inputs)
    print("  pytorch    torch %s, %d intra-op threads, MKL %s, MKL-DNN %s; %d reviews at <= %d tokens, batch 1,"
          " inference_mode" % (torch.__version__, torch.get_num_threads(), torch.backends.mkl.is_available(),
                               torch.backends.mkldnn.is_available(), len(checkpoints[0]["reviews"]),
                               manifest["maxTokens"]), flush=True)
    verify(checkpoints, args.tolerance)
    with torch.inference_mode():  # warm-up: shortest and longest review of each checkpoint
        for c in checkpoints:
            for ids, types in sorted(c["reviews"], key=lambda r: r[0].shape[1])[::len(c["reviews"]) - 1 or 1]:
                c["encoder"].pooled(ids, types, torch.ones_like(ids))
    if args.serve:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            seconds, per = one_round(checkpoints)
            print("round %.6f %s" % (seconds, " ".join("%s=%.6f" % p for p in per)), flush=True)
        return
    for r in range(1, args.rounds + 1):
        seconds, per = one_round(checkpoints)
        n = len(checkpoints[0]["reviews"])
        print("  torch #%d  %d reviews %.2f s  %.2f reviews/s  (%s)" % (
            r, n, seconds, n / seconds, ", ".join("%s %.2f s" % p for p in per)), flush=True)


if __name__ == "__main__":
    main()
