/**
 * llama.cpp's "llama" (SentencePiece BPE) tokenizer, step for step, so that AUTON and llama.cpp
 * give the same ids for any text (llama-vocab.cpp: llm_tokenizer_spm_session, and the
 * LLAMA_VOCAB_TYPE_SPM branch of llama_vocab::impl::tokenize):
 *  - with parseSpecial, control/unknown/user-defined token texts are cut out of the text first
 *    (longest first) and emitted as their ids;
 *  - each remaining fragment gets a leading space when addSpacePrefix and it is first or follows
 *    a special token; spaces become U+2581;
 *  - the fragment is split into UTF-8 characters, and the adjacent pair whose concatenation is a
 *    token with the highest score is merged, repeatedly (ties: leftmost);
 *  - a final symbol that is not a token is re-split along the recorded merges, and what is left
 *    becomes byte tokens <0xXX>.
 * All texts are handled as UTF-8 bytes (latin1 strings as map keys), exactly as the C++ does.
 */
import type { Tokenizer, TokenizerData } from '../types';

export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

const SPACE_ESCAPE = '\u2581';

/** The byte token text llama.cpp looks up for a byte: "<0x0A>". */
export function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

interface Symbol {
  start: number; // byte offset into the fragment
  n: number; // byte length (0 once merged into its left neighbour)
  prev: number;
  next: number;
}

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

/** std::priority_queue with llm_bigram_spm::comparator: highest score first, then smallest left. */
class BigramQueue {
  private readonly heap: Bigram[] = [];

  get size(): number {
    return this.heap.length;
  }

  private static before(a: Bigram, b: Bigram): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }

  push(b: Bigram): void {
    const h = this.heap;
    h.push(b);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!BigramQueue.before(h[i] as Bigram, h[parent] as Bigram)) break;
      [h[i], h[parent]] = [h[parent] as Bigram, h[i] as Bigram];
      i = parent;
    }
  }

  pop(): Bigram {
    const h = this.heap;
    const top = h[0] as Bigram;
    const last = h.pop() as Bigram;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < h.length && BigramQueue.before(h[l] as Bigram, h[best] as Bigram)) best = l;
        if (r < h.length && BigramQueue.before(h[r] as Bigram, h[best] as Bigram)) best = r;
        if (best === i) break;
        [h[i], h[best]] = [h[best] as Bigram, h[i] as Bigram];
        i = best;
      }
    }
    return top;
  }
}

/** Checks a vocabulary for what the SPM tokenizer needs; throws saying what is wrong. */
export function validateTokenizerData(data: TokenizerData): void {
  const n = data.tokens.length;
  if (n === 0) throw new Error('tokenizer: the vocabulary is empty');
  if (data.scores.length !== n || data.types.length !== n) {
    throw new Error(`tokenizer: ${n} tokens but ${data.scores.length} scores and ${data.types.length} types; the three lists must have the same length`);
  }
  for (const [name, id] of [['bos', data.bos], ['eos', data.eos], ['unk', data.unk]] as const) {
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new Error(`tokenizer: ${name} id ${id} is not a token id (0..${n - 1})`);
  }
  if (!Number.isInteger(data.pad) || data.pad < -1 || data.pad >= n) throw new Error(`tokenizer: pad id ${data.pad} is not a token id or -1`);
  const texts = new Set(data.tokens);
  for (let b = 0; b < 256; b++) {
    if (!texts.has(byteTokenText(b))) throw new Error(`tokenizer: byte token ${byteTokenText(b)} is missing; byte fallback needs all 256`);
  }
}

export interface EncodeOptions {
  bos?: boolean;
  eos?: boolean;
  /** Recognise control token texts such as "</s>" in the text (llama.cpp's parse_special). */
  parseSpecial?: boolean;
}

export class SpmTokenizer implements Tokenizer {
  private readonly ids = new Map<string, number>(); // token text as UTF-8 bytes in a latin1 string
  private readonly scores: Float32Array; // as llama.cpp holds them (f32 in the GGUF)
  private readonly byteIds: number[] = [];
  private readonly pieces: Uint8Array[]; // decoded bytes of each token
  private readonly specials: { id: number; text: string }[]; // latin1 texts, longest first

  constructor(readonly data: TokenizerData) {
    validateTokenizerData(data);
    this.scores = Float32Array.from(data.scores);
    data.tokens.forEach((text, id) => this.ids.set(Buffer.from(text, 'utf8').toString('latin1'), id));
    for (let b = 0; b < 256; b++) this.byteIds.push(this.ids.get(byteTokenText(b)) as number);
    this.pieces = data.tokens.map((text, id) => this.pieceBytes(text, data.types[id] as number));
    this.specials = data.tokens
      .map((text, id) => ({ id, text: Buffer.from(text, 'utf8').toString('latin1'), type: data.types[id] as number }))
      .filter((t) => t.type === TOKEN_TYPE.control || t.type === TOKEN_TYPE.unknown || t.type === TOKEN_TYPE.userDefined)
      .filter((t) => t.text.length > 0)
      .sort((a, b) => b.text.length - a.text.length || a.id - b.id)
      .map(({ id, text }) => ({ id, text }));
  }

  get vocabSize(): number {
    return this.data.tokens.length;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (opts.bos) out.push(this.data.bos);
    const bytes = Buffer.from(text, 'utf8').toString('latin1');
    const fragments = opts.parseSpecial ? this.partition(bytes) : bytes.length > 0 ? [bytes] : [];
    let prevSpecial = true;
    for (const fragment of fragments) {
      if (typeof fragment === 'number') {
        out.push(fragment);
        prevSpecial = true;
        continue;
      }
      const prefixed = (this.data.addSpacePrefix && prevSpecial ? ' ' : '') + fragment;
      this.tokenizeFragment(prefixed.replace(/ /g, '\xe2\x96\x81'), out);
      prevSpecial = false;
    }
    if (opts.eos) out.push(this.data.eos);
    return out;
  }

  /**
   * Text of ids: normal tokens with U+2581 as spaces, byte tokens as bytes, control tokens as
   * nothing; one leading space (the one addSpacePrefix added) is dropped, so that
   * decode(encode(text)) === text for any text without U+2581 or lone surrogates.
   */
  decode(ids: number[]): string {
    const parts: Uint8Array[] = [];
    let first = true;
    for (const id of ids) {
      const piece = this.pieces[id];
      if (piece === undefined) throw new Error(`tokenizer: ${id} is not a token id (0..${this.vocabSize - 1})`);
      if (piece.length === 0) continue;
      parts.push(first && this.data.addSpacePrefix && piece[0] === 0x20 ? piece.subarray(1) : piece);
      first = false;
    }
    return Buffer.concat(parts).toString('utf8');
  }

  /** The bytes one token stands for (llama_token_to_piece without lstrip, special = false). */
  pieceOf(id: number): Uint8Array {
    const piece = this.pieces[id];
    if (piece === undefined) throw new Error(`tokenizer: ${id} is not a token id (0..${this.vocabSize - 1})`);
    return piece;
  }

  private pieceBytes(text: string, type: number): Uint8Array {
    if (type === TOKEN_TYPE.byte) {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
      if (!m) throw new Error(`tokenizer: byte token "${text}" is not of the form <0xXX>`);
      return Uint8Array.of(parseInt(m[1] as string, 16));
    }
    if (type === TOKEN_TYPE.control) return new Uint8Array(0);
    if (type === TOKEN_TYPE.unknown) return Buffer.from('\u2585', 'utf8');
    if (type === TOKEN_TYPE.userDefined) return Buffer.from(text, 'utf8');
    return Buffer.from(text.split(SPACE_ESCAPE).join(' '), 'utf8');
  }

  /** tokenizer_st_partition: special token texts become ids, the rest stays text. */
  private partition(bytes: string): (string | number)[] {
    let fragments: (string | number)[] = bytes.length > 0 ? [bytes] : [];
    for (const special of this.specials) {
      const next: (string | number)[] = [];
      for (const fragment of fragments) {
        if (typeof fragment === 'number') {
          next.push(fragment);
          continue;
        }
        let from = 0;
        for (;;) {
          const at = fragment.indexOf(special.text, from);
          if (at < 0) break;
          if (at > from) next.push(fragment.slice(from, at));
          next.push(special.id);
          from = at + special.text.length;
        }
        if (from < fragment.length) next.push(fragment.slice(from));
      }
      fragments = next;
    }
    return fragments;
  }

  /** llm_tokenizer_spm_session::tokenize over one fragment (latin1 string of UTF-8 bytes). */
  private tokenizeFragment(text: string, out: number[]): void {
    const symbols: Symbol[] = [];
    for (let offs = 0, index = 0; offs < text.length; index++) {
      const len = utf8Length(text.charCodeAt(offs));
      const n = Math.min(len, text.length - offs);
      symbols.push({ start: offs, n, prev: index - 1, next: offs + n === text.length ? -1 : index + 1 });
      offs += n;
    }
    if (symbols.length === 0) return;
    const queue = new BigramQueue();
    const revMerge = new Map<string, [number, number]>();
    const tryAddBigram = (left: number, right: number): void => {
      if (left === -1 || right === -1) return;
      const l = symbols[left] as Symbol;
      const r = symbols[right] as Symbol;
      const piece = text.substr(l.start, l.n + r.n);
      const id = this.ids.get(piece);
      if (id === undefined) return;
      queue.push({ left, right, score: this.scores[id] as number, size: piece.length });
      revMerge.set(piece, [left, right]);
    };
    for (let i = 1; i < symbols.length; i++) tryAddBigram(i - 1, i);
    while (queue.size > 0) {
      const bigram = queue.pop();
      const left = symbols[bigram.left] as Symbol;
      const right = symbols[bigram.right] as Symbol;
      if (left.n === 0 || right.n === 0 || left.n + right.n !== bigram.size) continue;
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) (symbols[right.next] as Symbol).prev = bigram.left;
      tryAddBigram(left.prev, bigram.left);
      tryAddBigram(bigram.left, left.next);
    }
    const resegment = (symbol: Symbol): void => {
      const piece = text.substr(symbol.start, symbol.n);
      const id = this.ids.get(piece);
      if (id !== undefined) {
        out.push(id);
        return;
      }
      const merge = revMerge.get(piece);
      if (merge === undefined) {
        for (let j = 0; j < symbol.n; j++) out.push(this.byteIds[text.charCodeAt(symbol.start + j)] as number);
        return;
      }
      resegment(symbols[merge[0]] as Symbol);
      resegment(symbols[merge[1]] as Symbol);
    };
    for (let i = 0; i !== -1; i = (symbols[i] as Symbol).next) resegment(symbols[i] as Symbol);
  }
}

/** unicode_len_utf8: the sequence length a UTF-8 lead byte announces (1 for stray bytes). */
function utf8Length(byte: number): number {
  const lookup = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4];
  return lookup[byte >> 4] as number;
}
