#!/usr/bin/env python3
"""The bench's optional PyTorch column: one workload on PyTorch (CPU, or CUDA with --device cuda).

Reads the safetensors file bench/pytorch.ts writes (weights in PyTorch's layout as rnn.* and
head.*, the inputs x [T, B, I], the targets, webrnn's logits of the same weights, and the workload
as JSON metadata), checks that PyTorch's logits agree with webrnn's, then times inference
(eval, no_grad, logits) and training steps (forward, backward, Adam) like bench/timing.ts does, and
prints one JSON line. On CUDA, TF32 is turned off so both sides compute in float32; each timed
step ends in .item(), which waits for the GPU. `--check FILE` only reads the file and prints its tensors' names, shapes
and sums (no torch needed): the interchange test of test/bench/bench.test.ts.
"""
import json
import statistics
import struct
import sys
import time


def read_safetensors(path):
    """(tensors as (dtype, shape, bytes), metadata): the format is a u64 header length, JSON, data."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    tensors = {}
    for name, t in header.items():
        begin, end = t['data_offsets']
        tensors[name] = (t['dtype'], t['shape'], data[base + begin:base + end])
    return tensors, meta


def check(path):
    tensors, meta = read_safetensors(path)
    out = {}
    for name, (dtype, shape, raw) in sorted(tensors.items()):
        fmt = {'F32': 'f', 'I32': 'i'}[dtype]
        values = struct.unpack(f'<{len(raw) // 4}{fmt}', raw)
        out[name] = {'dtype': dtype, 'shape': shape, 'sum': float(sum(values))}
    print(json.dumps({'tensors': out, 'workload': json.loads(meta['workload'])}))


def measure(step, quick):
    """Warm-up, then runs until the budget is spent (bench/timing.ts's rule): median and min ms."""
    budget, min_runs, max_runs = (0.2, 2, 3) if quick else (4.0, 3, 20)
    t0 = time.perf_counter()
    step()
    once = time.perf_counter() - t0
    warmup = 1
    if once < 1 and not quick:
        t0 = time.perf_counter()
        step()
        once = time.perf_counter() - t0
        warmup += 1
    runs = max(min_runs, min(max_runs, round(budget / max(once, 1e-6))))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {'medianMs': times[(len(times) - 1) // 2], 'minMs': times[0], 'runs': runs, 'warmup': warmup}


def run(path, threads, quick, device):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    if device == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    raw, meta = read_safetensors(path)
    dtypes = {'F32': torch.float32, 'I32': torch.int32}
    t = {k: torch.frombuffer(bytearray(b), dtype=dtypes[d]).reshape(s).to(device) for k, (d, s, b) in raw.items()}
    wl = json.loads(meta['workload'])
    T, B, H = wl['steps'], wl['batch'], wl['hidden']
    cls = torch.nn.LSTM if wl['cell'] == 'lstm' else torch.nn.GRU  # GRU: reset-after, as webrnn's
    rnn = cls(wl['input'], H, num_layers=wl['layers']).to(device)
    head = torch.nn.Linear(H, wl['outputs']).to(device)
    rnn.load_state_dict({k[4:]: v for k, v in t.items() if k.startswith('rnn.')})
    head.load_state_dict({k[5:]: v for k, v in t.items() if k.startswith('head.')})
    x, targets = t['x'], t['targets']
    cross_entropy = wl['loss'] == 'crossEntropy'

    def logits():
        y, _ = rnn(x)
        if wl['head'] == 'last':
            return head(y[-1])
        return head(y.reshape(T * B, H) if cross_entropy else y)

    def loss_of(out):
        if cross_entropy:
            return F.cross_entropy(out, targets.long())
        return F.mse_loss(torch.sigmoid(out), targets)

    rnn.eval()
    with torch.no_grad():
        out = logits()
        max_diff = (out.reshape(-1) - t['webrnn_logits']).abs().max().item()
        loss = loss_of(out).item()

    def infer():
        with torch.no_grad():
            logits().reshape(-1)[0].item()

    infer_t = measure(infer, quick)
    rnn.train()
    opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=1e-3)

    def train():
        opt.zero_grad()
        l = loss_of(logits())
        l.backward()
        opt.step()
        l.item()

    train_t = measure(train, quick)
    print(json.dumps({'version': torch.__version__, 'threads': threads, 'device': device, 'maxDiff': max_diff, 'loss': loss,
                      'infer': infer_t, 'train': train_t}))


def main(argv):
    if len(argv) == 2 and argv[0] == '--check':
        return check(argv[1])
    threads = int(argv[argv.index('--threads') + 1]) if '--threads' in argv else 2
    device = argv[argv.index('--device') + 1] if '--device' in argv else 'cpu'
    if device not in ('cpu', 'cuda'):
        sys.exit(f'pytorch.py: --device must be cpu or cuda, not {device}')
    run(argv[0], threads, '--quick' in argv, device)


if __name__ == '__main__':
    main(sys.argv[1:])
