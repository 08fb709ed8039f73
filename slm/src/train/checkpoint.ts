/**
 * Checkpoints: everything a run needs to continue bit for bit (weights, AdamW moments, step,
 * data-order state, configs) plus the tokenizer, so one file is enough to export a model.
 *
 * Layout: "AUTONCKP" | u32 version | u32 header bytes | header JSON (UTF-8) | zero pad to 4 |
 * f32 params | f32 adam m | f32 adam v [| f32 weight average] (little endian; the header gives
 * the counts, and `ema: true` says the fourth array is there). Version 1 files (no average) still
 * load.
 */
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { ModelConfig, TokenizerData, Weights } from '../types';
import { totalSize, tensorSpecs, viewWeights } from '../model/weights';
import type { RngState } from '../model/rng';
import type { TrainConfig } from './config';

const MAGIC = 'AUTONCKP';
const VERSION = 2;

/** Where the data order stands: the permutation of `epoch` is drawn from `epochRng`, `cursor` into it. */
export interface SamplerState {
  epoch: number;
  cursor: number;
  epochRng: RngState;
}

export interface CheckpointHeader {
  model: ModelConfig;
  train: TrainConfig;
  step: number; // optimizer steps done
  sampler: SamplerState;
  tokensSeen: number;
  trainSeconds: number;
  history: { step: number; loss: number; lr: number; gradNorm: number; valLoss?: number }[];
  tokenizer?: TokenizerData;
  dataFingerprint?: string;
  paramCount: number;
  /** The file holds the moving average of the weights (train.ema > 0) after the AdamW state. */
  ema?: boolean;
}

export interface Checkpoint {
  header: CheckpointHeader;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** Exponential moving average of params (train.ema > 0): the model that is exported and evaluated. */
  ema?: Float32Array;
}

/** Writes atomically (temp file, then rename) so an interrupted save never leaves half a checkpoint. */
export function saveCheckpoint(file: string, ck: Checkpoint): void {
  const json = Buffer.from(JSON.stringify({ ...ck.header, ema: ck.ema !== undefined }), 'utf8');
  const pre = Buffer.alloc(16);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(VERSION, 8);
  pre.writeUInt32LE(json.length, 12);
  const pad = Buffer.alloc((4 - ((16 + json.length) % 4)) % 4);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [pre, json, pad]) writeSync(fd, part);
    for (const a of ck.ema ? [ck.params, ck.m, ck.v, ck.ema] : [ck.params, ck.m, ck.v]) writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function loadCheckpoint(file: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read checkpoint ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const bad = (why: string): Error => new Error(`${file} is not a usable AUTON checkpoint: ${why}`);
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw bad('it does not start with "AUTONCKP"');
  const version = buf.readUInt32LE(8);
  if (version !== 1 && version !== VERSION) throw bad(`format version ${version}, this build reads 1 and ${VERSION}`);
  const jsonLen = buf.readUInt32LE(12);
  if (16 + jsonLen > buf.length) throw bad('the header runs past the end of the file (truncated?)');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + jsonLen)) as CheckpointHeader;
  } catch {
    throw bad('its header is not valid JSON');
  }
  const n = header.paramCount;
  if (!header.model || n !== totalSize(tensorSpecs(header.model))) throw bad('its parameter count does not match its model config');
  const start = 16 + jsonLen + ((4 - ((16 + jsonLen) % 4)) % 4);
  const arrays = header.ema === true && version >= 2 ? 4 : 3;
  if (buf.length !== start + arrays * 4 * n) throw bad(`expected ${start + arrays * 4 * n} bytes, found ${buf.length} (truncated or corrupted)`);
  const floats = (i: number): Float32Array => {
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(buf.subarray(start + i * 4 * n, start + (i + 1) * 4 * n));
    return out;
  };
  return { header, params: floats(0), m: floats(1), v: floats(2), ...(arrays === 4 ? { ema: floats(3) } : {}) };
}

/**
 * The trained model in a checkpoint, as named tensors (for export and evaluation): the moving
 * average of the weights when the run kept one, else the last step's weights.
 */
export function checkpointWeights(ck: Checkpoint): { config: ModelConfig; weights: Weights; tokenizer?: TokenizerData } {
  return { config: ck.header.model, weights: viewWeights(ck.header.model, ck.ema ?? ck.params), tokenizer: ck.header.tokenizer };
}
