/**
 * The order examples are drawn in: a fresh seeded permutation per epoch, batches taken in turn.
 * Its state (epoch, cursor, the generator state the epoch's permutation came from) goes into
 * checkpoints, so a resumed run draws the same batches as an uninterrupted one.
 */
import { Rng } from '../model/rng';
import type { SamplerState } from './checkpoint';

export class Sampler {
  private rng: Rng;
  private perm: number[];
  private st: SamplerState;

  constructor(private readonly size: number, seedOrState: number | SamplerState) {
    if (size <= 0) throw new Error('there are no training examples to sample from');
    if (typeof seedOrState === 'number') {
      this.rng = new Rng(seedOrState);
      this.st = { epoch: 0, cursor: 0, epochRng: this.rng.state() };
    } else {
      this.rng = new Rng(seedOrState.epochRng);
      this.st = { ...seedOrState, epochRng: [...seedOrState.epochRng] };
    }
    this.perm = this.rng.permutation(size);
  }

  state(): SamplerState {
    return { ...this.st, epochRng: [...this.st.epochRng] };
  }

  get epoch(): number {
    return this.st.epoch;
  }

  /** The next n example indices, crossing into the next epoch when this one runs out. */
  next(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.st.cursor >= this.size) {
        this.st = { epoch: this.st.epoch + 1, cursor: 0, epochRng: this.rng.state() };
        this.perm = this.rng.permutation(this.size);
      }
      out.push(this.perm[this.st.cursor++]!);
    }
    return out;
  }
}
