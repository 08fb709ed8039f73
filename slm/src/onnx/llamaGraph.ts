/**
 * The llama forward pass as an ONNX graph: input_ids int64 [1, seq] -> logits float [1, seq,
 * vocab], for any seq up to the context length. It computes what AUTON's TypeScript forward
 * computes, with the same conventions as llama.cpp's `llama` architecture: RMSNorm, RoPE on
 * adjacent pairs (2i, 2i+1) of each head (the "norm" rope), grouped-query attention where query
 * head h reads key/value head floor(h / (nHeads / nKvHeads)), SwiGLU feed-forward.
 *
 * RoPE's cos/sin tables and the causal mask are constants for the whole context, sliced to seq.
 * Weight matrices [out, in] are stored transposed ([in, out]) so each projection is one MatMul.
 */
import type { ModelConfig, Weights } from '../types';
import { encodeModel, GraphBuilder } from './graph';

function weight(weights: Weights, name: string): { shape: number[]; data: Float32Array } {
  const t = weights.get(name);
  if (t === undefined) throw new Error(`the model has no tensor ${name}`);
  return t;
}

function transposed(rows: number, cols: number, data: Float32Array): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] ?? 0;
  return out;
}

/** RoPE tables [context, 1, headDim/2, 1]: angle pos * theta^(-2i/headDim) for pair i. */
function ropeTables(c: ModelConfig): { cos: Float32Array; sin: Float32Array } {
  const half = c.dim / c.nHeads / 2;
  const cos = new Float32Array(c.contextLength * half);
  const sin = new Float32Array(c.contextLength * half);
  for (let pos = 0; pos < c.contextLength; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * c.ropeTheta ** (-i / half);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** Builds the graph and returns the serialised ONNX model. */
export async function exportLlamaOnnx(c: ModelConfig, weights: Weights): Promise<Uint8Array> {
  const g = new GraphBuilder();
  const headDim = c.dim / c.nHeads;
  const group = c.nHeads / c.nKvHeads;
  const ctx = c.contextLength;

  const matrix = (name: string): string => {
    const w = weight(weights, name);
    const [rows, cols] = w.shape as [number, number];
    return g.floats(`${name}.T`, [cols, rows], transposed(rows, cols, w.data));
  };
  const vector = (name: string): string => {
    const w = weight(weights, name);
    return g.floats(name, [w.data.length], w.data);
  };

  const shape = (name: string, dims: number[]): string => g.int64s(`shape.${name}`, dims);
  const eps = g.floats('norm_eps', [], Float32Array.of(c.normEps));
  const two = g.floats('two', [], Float32Array.of(2));
  const scale = g.floats('attn_scale', [], Float32Array.of(1 / Math.sqrt(headDim)));
  const tables = ropeTables(c);
  const cosAll = g.floats('rope_cos', [ctx, 1, headDim / 2, 1], tables.cos);
  const sinAll = g.floats('rope_sin', [ctx, 1, headDim / 2, 1], tables.sin);
  const mask = new Float32Array(ctx * ctx);
  for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) mask[i * ctx + j] = -Infinity;
  const maskAll = g.floats('causal_mask', [ctx, ctx], mask);
  const zero = g.int64s('zero', [0]);
  const one = g.int64s('one', [1]);
  const twoI = g.int64s('two_i', [2]);
  const zeros2 = g.int64s('zeros2', [0, 0]);
  const axis0 = g.int64s('axis0', [0]);
  const axes01 = g.int64s('axes01', [0, 1]);
  const lastAxis = g.int64s('axis4', [4]);

  // seq = input_ids.shape[1], as a 1-D tensor for Slice.
  const seq = g.node('Slice', [g.node('Shape', ['input_ids']), one, twoI, axis0], {}, 'seq');
  const cos = g.node('Slice', [cosAll, zero, seq, axis0], {}, 'cos');
  const sin = g.node('Slice', [sinAll, zero, seq, axis0], {}, 'sin');
  const causal = g.node('Slice', [maskAll, zeros2, g.node('Concat', [seq, seq], { axis: 0 }), axes01], {}, 'mask');

  const rmsnorm = (x: string, w: string): string => {
    const meanSquare = g.node('ReduceMean', [g.node('Pow', [x, two])], { axes: [-1], keepdims: 1 });
    return g.node('Mul', [g.node('Div', [x, g.node('Sqrt', [g.node('Add', [meanSquare, eps])])]), w]);
  };
  /** x [1, seq, heads, headDim/2, 2]: rotate each pair (x0, x1) by the position's angle. */
  const rope = (x: string): string => {
    const x0 = g.node('Slice', [x, zero, one, lastAxis]);
    const x1 = g.node('Slice', [x, one, twoI, lastAxis]);
    const r0 = g.node('Sub', [g.node('Mul', [x0, cos]), g.node('Mul', [x1, sin])]);
    const r1 = g.node('Add', [g.node('Mul', [x0, sin]), g.node('Mul', [x1, cos])]);
    return g.node('Concat', [r0, r1], { axis: 4 });
  };

  const pairsQ = shape('pairs_q', [1, 0, c.nHeads, headDim / 2, 2]);
  const pairsKv = shape('pairs_kv', [1, 0, c.nKvHeads, headDim / 2, 2]);
  const headsQ = shape('heads_q', [1, 0, c.nHeads, headDim]);
  const headsKv = shape('heads_kv', [1, 0, c.nKvHeads, headDim]);
  const groupedQ = shape('grouped_q', [1, c.nKvHeads, group, -1, headDim]);
  const groupedKt = shape('grouped_kt', [1, c.nKvHeads, 1, headDim, -1]);
  const groupedV = shape('grouped_v', [1, c.nKvHeads, 1, -1, headDim]);
  const allHeads = shape('all_heads', [1, c.nHeads, -1, headDim]);
  const model = shape('model', [1, 0, c.dim]);

  const embedding = weight(weights, 'token_embd.weight');
  let x = g.node('Gather', [g.floats('token_embd.weight', embedding.shape, embedding.data), 'input_ids'], { axis: 0 }, 'embed');
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blk.${l}.`;
    const h = rmsnorm(x, vector(`${p}attn_norm.weight`));
    const q = rope(g.node('Reshape', [g.node('MatMul', [h, matrix(`${p}attn_q.weight`)]), pairsQ]));
    const k = rope(g.node('Reshape', [g.node('MatMul', [h, matrix(`${p}attn_k.weight`)]), pairsKv]));
    const v = g.node('Reshape', [g.node('MatMul', [h, matrix(`${p}attn_v.weight`)]), headsKv]);
    const qg = g.node('Reshape', [g.node('Transpose', [g.node('Reshape', [q, headsQ])], { perm: [0, 2, 1, 3] }), groupedQ]);
    const kt = g.node('Reshape', [g.node('Transpose', [g.node('Reshape', [k, headsKv])], { perm: [0, 2, 3, 1] }), groupedKt]);
    const vg = g.node('Reshape', [g.node('Transpose', [v], { perm: [0, 2, 1, 3] }), groupedV]);
    const scores = g.node('Add', [g.node('Mul', [g.node('MatMul', [qg, kt]), scale]), causal]);
    const attn = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), vg]);
    const merged = g.node('Reshape', [g.node('Transpose', [g.node('Reshape', [attn, allHeads])], { perm: [0, 2, 1, 3] }), model]);
    x = g.node('Add', [x, g.node('MatMul', [merged, matrix(`${p}attn_output.weight`)])], {}, `resid_attn${l}`);

    const f = rmsnorm(x, vector(`${p}ffn_norm.weight`));
    const gate = g.node('MatMul', [f, matrix(`${p}ffn_gate.weight`)]);
    const up = g.node('MatMul', [f, matrix(`${p}ffn_up.weight`)]);
    const act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up], {}, 'swiglu');
    x = g.node('Add', [x, g.node('MatMul', [act, matrix(`${p}ffn_down.weight`)])], {}, `resid_ffn${l}`);
  }
  g.node('MatMul', [rmsnorm(x, vector('output_norm.weight')), matrix('output.weight')]);
  g.nameLastOutput('logits');

  return encodeModel(
    g, c.name,
    [{ name: 'input_ids', elemType: 'int64', dims: [1, 'seq'] }],
    [{ name: 'logits', elemType: 'float', dims: [1, 'seq', c.vocabSize] }],
    `AUTON llama model ${c.name}: dim ${c.dim}, ${c.nLayers} layers, ${c.nHeads} heads (${c.nKvHeads} kv), hidden ${c.hiddenDim}, vocab ${c.vocabSize}, context ${c.contextLength}`,
  );
}
