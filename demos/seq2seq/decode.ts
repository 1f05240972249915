// Training step and decoding of the date model. Greedy decoding runs every step on the GPU (the
// argmax ids feed the next step's embedding) and reads back once at the end; beam search reads
// back each step's log-probabilities [B·k, V] to pick the k best continuations on the CPU, then
// reorders the beams' states on the GPU with a 0/1 selection matrix (a matmul).
import { clipGradNorm, crossEntropy, noGrad, ops, tensor, tidy, zeros, type optim, type Tensor } from '../../src/index.js';
import { decodeTarget, encodeSources, encodeTargets, TARGET_CHARS, TARGET_LENGTH, type Example } from './data.js';
import { paddingMask, type Encoded, type RecurrentState, type Seq2Seq } from './model.js';

/** One Adam step with teacher forcing; returns the mean cross-entropy per character (not read back). */
export function trainStep(model: Seq2Seq, opt: optim.Adam, batch: readonly Example[], clip: number): Tensor {
  const B = batch.length;
  const src = encodeSources(batch.map((e) => e.source));
  const { inputs, labels } = encodeTargets(batch.map((e) => e.target));
  // logits come batch-major [B, Tt, V]: the labels are reordered to match
  const batchMajor = Int32Array.from({ length: B * TARGET_LENGTH }, (_, i) => labels[(i % TARGET_LENGTH) * B + Math.floor(i / TARGET_LENGTH)]!);
  return tidy(() => {
    const { logits } = model.forward(tensor(src.ids, [src.T, B], { dtype: 'int32' }), src.lengths, tensor(inputs, [TARGET_LENGTH, B], { dtype: 'int32' }));
    const loss = crossEntropy(ops.reshape(logits, [B * TARGET_LENGTH, TARGET_CHARS.length]), tensor(batchMajor, [B * TARGET_LENGTH], { dtype: 'int32' }));
    opt.zeroGrad();
    loss.backward();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    return loss.detach();
  });
}

function encodeBatch(model: Seq2Seq, sources: readonly string[]): Encoded {
  const src = encodeSources(sources);
  return model.encode(tensor(src.ids, [src.T, sources.length], { dtype: 'int32' }), src.lengths);
}

export interface Decoded {
  outputs: string[];
  /** Attention weights [B, 10, Ts] (greedy only), Ts = the longest source of the batch. */
  weights?: Float32Array;
  sourceLength: number;
}

/** Greedy decoding of `sources`: 10 GPU steps, one readback of the ids and weights at the end. */
export async function greedyDecode(model: Seq2Seq, sources: readonly string[]): Promise<Decoded> {
  const B = sources.length;
  const wasTraining = model.training;
  model.eval();
  const [ids, weights] = noGrad(() => tidy(() => {
    const enc = encodeBatch(model, sources);
    let state = enc.state;
    let prev = zeros([B], { dtype: 'int32' }); // the start token
    const idList: Tensor[] = [];
    const wList: Tensor[] = [];
    for (let t = 0; t < TARGET_LENGTH; t++) {
      const r = model.step(prev, state, enc);
      state = r.state;
      prev = ops.argmax(r.logits, 1);
      idList.push(ops.reshape(prev, [B, 1]));
      wList.push(ops.reshape(r.weights, [B, 1, r.weights.shape[1]!]));
    }
    return [ops.concat(idList, 1), ops.concat(wList, 1)];
  }));
  model.train(wasTraining);
  const [idv, wv] = [await ids.data(), await weights.data()];
  ids.dispose();
  weights.dispose();
  const outputs = sources.map((_, b) => decodeTarget(idv.subarray(b * TARGET_LENGTH, (b + 1) * TARGET_LENGTH)));
  return { outputs, weights: wv as Float32Array, sourceLength: weights.shape[2]! };
}

/** rows [N, ...] → rows picked by `from` ([M] source row of each output row), as a 0/1 matmul. */
function pickRows(x: Tensor, from: ArrayLike<number>, axis: 0 | 1): Tensor {
  const N = x.shape[axis]!;
  const M = from.length;
  const sel = new Float32Array(M * N);
  for (let m = 0; m < M; m++) sel[m * N + from[m]!] = 1;
  const moved = axis === 0 ? x : ops.transpose(x, 0, 1);
  const rest = moved.shape.slice(1);
  const picked = ops.matmul(tensor(sel, [M, N]), ops.reshape(moved, [N, moved.size / N]));
  const out = ops.reshape(picked, [M, ...rest]);
  return axis === 0 ? out : ops.transpose(out, 0, 1);
}

/** The state with batch rows picked (states are [layers, B, H], batch on axis 1). */
function pickState(state: RecurrentState, from: ArrayLike<number>): RecurrentState {
  return Array.isArray(state) ? [pickRows(state[0], from, 1), pickRows(state[1], from, 1)] : pickRows(state, from, 1);
}

const stateTensors = (s: RecurrentState): Tensor[] => (Array.isArray(s) ? s : [s]);

/** Beam search with `k` beams a source: the output with the highest total log-probability. */
export async function beamDecode(model: Seq2Seq, sources: readonly string[], k: number): Promise<Decoded> {
  const B = sources.length;
  const V = TARGET_CHARS.length;
  const BK = B * k;
  const parentOf = Int32Array.from({ length: BK }, (_, i) => Math.floor(i / k));
  const wasTraining = model.training;
  model.eval();
  const src = encodeSources(sources);
  // Each source's encoding repeated k times, made once; the beams' states are reordered each step.
  const { enc, state0 } = noGrad(() => tidy(() => {
    const e = model.encode(tensor(src.ids, [src.T, B], { dtype: 'int32' }), src.lengths);
    const rep = (t: Tensor | null) => (t ? pickRows(t, parentOf, 0) : null);
    const lengths = Int32Array.from(parentOf, (b) => src.lengths[b]!);
    return { enc: { memory: rep(e.memory)!, keys: rep(e.keys), mask: paddingMask(lengths, src.T), state: e.state }, state0: pickState(e.state, parentOf) };
  }));
  let state = state0;
  let prev = zeros([BK], { dtype: 'int32' });
  let scores = Float64Array.from({ length: BK }, (_, i) => (i % k === 0 ? 0 : -Infinity)); // one live beam at first
  let hist: number[][] = Array.from({ length: BK }, () => []);
  try {
    for (let t = 0; t < TARGET_LENGTH; t++) {
      const { logp, next } = noGrad(() => tidy(() => {
        const r = model.step(prev, state, enc);
        return { logp: ops.logSoftmax(r.logits, 1), next: r.state };
      }));
      const lp = await logp.data();
      logp.dispose();
      const from = new Int32Array(BK);
      const tokens = new Int32Array(BK);
      const nextScores = new Float64Array(BK);
      const nextHist: number[][] = [];
      for (let b = 0; b < B; b++) {
        const cands: [number, number, number][] = [];
        for (let j = 0; j < k; j++) for (let v = 0; v < V; v++) cands.push([scores[b * k + j]! + lp[(b * k + j) * V + v]!, j, v]);
        cands.sort((x, y) => y[0] - x[0]);
        for (let j = 0; j < k; j++) {
          const [s, pj, v] = cands[j]!;
          from[b * k + j] = b * k + pj;
          tokens[b * k + j] = v;
          nextScores[b * k + j] = s;
          nextHist.push([...hist[b * k + pj]!, v]);
        }
      }
      const picked = noGrad(() => tidy(() => pickState(next, from)));
      for (const s of [...stateTensors(next), ...stateTensors(state), prev]) s.dispose();
      state = picked;
      prev = tensor(tokens, [BK], { dtype: 'int32' });
      scores = nextScores;
      hist = nextHist;
    }
  } finally {
    for (const s of [...stateTensors(state), prev, enc.memory, enc.mask, ...(enc.keys ? [enc.keys] : []), ...stateTensors(enc.state)]) if (!s.isDisposed) s.dispose();
    model.train(wasTraining);
  }
  // beams stay sorted best-first, so beam 0 of each source is its best
  return { outputs: sources.map((_, b) => decodeTarget(hist[b * k]!)), sourceLength: src.T };
}
