/**
 * A stand-in for the real tokenizer: whole pieces for the prompt tags and intent names (so toy
 * sequences stay short), single characters for everything else.
 */
import { INTENTS, type Tokenizer, type TokenizerData } from '../../../slm/src/types';

const PIECES = ['### request: ', '\n### intent:', '\n### answer:', ...INTENTS.map((i) => ` ${i}`)];

export function charTokenizer(text: string): Tokenizer {
  const chars = [...new Set(text)].sort();
  const tokens = ['<unk>', '<s>', '</s>', ...PIECES, ...chars];
  const data: TokenizerData = { tokens, scores: tokens.map(() => 0), types: tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : 1)), bos: 1, eos: 2, unk: 0, pad: 0, addSpacePrefix: false };
  const id = new Map(tokens.map((t, i) => [t, i] as const).filter(([, i]) => i > 2));
  const encode = (s: string): number[] => {
    const out: number[] = [];
    for (let at = 0; at < s.length;) {
      const piece = PIECES.find((p) => s.startsWith(p, at));
      if (piece) {
        out.push(id.get(piece)!);
        at += piece.length;
      } else {
        out.push(id.get(s[at]!) ?? 0);
        at++;
      }
    }
    return out;
  };
  return {
    data,
    encode: (s, o) => [...(o?.bos ? [1] : []), ...encode(s), ...(o?.eos ? [2] : [])],
    decode: (ids) => ids.filter((i) => i > 2).map((i) => tokens[i]).join(''),
  };
}
