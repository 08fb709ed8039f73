/**
 * Greedy decoding of one GGUF by two engines (llama.cpp, AUTON's TypeScript forward pass, the
 * kernel's C) is the same token for token except at a near-tie: a step where the two best
 * logits are closer than the engines' float rounding tells apart (the order of float sums,
 * SIMD width, the rounding of activations quantized to Q8_0). There argmax may fall either way
 * and the runs part. These checks accept a parting only at such a step, proven with the
 * reference's own logits, and everything before it must be identical.
 */

/** Logit gap (absolute) under which two tokens are a near-tie. The shipped model's logits are
 * around 5-15; the engines differ by about 1e-3 there, so 0.02 is ten times that, and far below
 * the gap of an ordinary step. */
export const NEAR_TIE = 0.02;

export interface GreedyComparison {
  /** Same tokens, same length. */
  identical: boolean;
  /** The runs part here (token index after the prompt) at a proven near-tie. */
  tieAt?: number;
  /** Why the runs differ in a way no near-tie explains (undefined when they agree). */
  error?: string;
}

/** Logits after the last id of `ids` (the reference engine). */
export type LastLogits = (ids: readonly number[]) => Float32Array;

function nearTies(logits: Float32Array, tolerance: number): Set<number> {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Set<number>();
  logits.forEach((v, i) => { if (max - v < tolerance) out.add(i); });
  return out;
}

/** Compares greedy runs a and b after `prompt` (each stops before `eos`, which stands for "stopped"). */
export function compareGreedy(prompt: readonly number[], a: readonly number[], b: readonly number[], eos: number,
  logitsAfter: LastLogits, tolerance = NEAR_TIE): GreedyComparison {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return { identical: true };
  const ta = a[i] ?? eos;
  const tb = b[i] ?? eos;
  const ties = nearTies(logitsAfter([...prompt, ...a.slice(0, i)]), tolerance);
  if (ties.has(ta) && ties.has(tb)) return { identical: false, tieAt: i };
  return { identical: false, error: `the runs part at token ${i} (${ta} vs ${tb}) where the reference's logits are no near-tie (tolerance ${tolerance})` };
}

/**
 * Compares a run known only as text (the kernel prints its continuation) with a reference run
 * `ref` (ids): equal text, or the text follows ref up to a near-tie step and there takes another
 * token of that tie.
 */
export function compareGreedyText(text: string, prompt: readonly number[], ref: readonly number[], eos: number,
  decode: (ids: readonly number[]) => string, logitsAfter: LastLogits, tolerance = NEAR_TIE): GreedyComparison {
  if (decode(ref) === text) return { identical: true };
  let i = 0;
  while (i < ref.length && text.startsWith(decode(ref.slice(0, i + 1)))) i++;
  const ties = nearTies(logitsAfter([...prompt, ...ref.slice(0, i)]), tolerance);
  const mine = ref[i] ?? eos;
  if (ties.has(mine)) {
    for (const c of ties) {
      if (c === mine) continue;
      if (c === eos ? text === decode(ref.slice(0, i)) : text.startsWith(decode([...ref.slice(0, i), c]))) {
        return { identical: false, tieAt: i };
      }
    }
  }
  return { identical: false, error: `the text leaves the reference after token ${i} (${JSON.stringify(decode(ref.slice(0, i)))}) with no near-tie there: got ${JSON.stringify(text)}, reference ${JSON.stringify(decode(ref))}` };
}
