import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { exampleText } from '../../../slm/src/data/prompt';
import { byteTokenText, SpmTokenizer, TOKEN_TYPE } from '../../../slm/src/tokenizer/spm';
import { loadTokenizer, loadTokenizerData, saveTokenizer } from '../../../slm/src/tokenizer/store';
import { MIN_VOCAB, trainBpe, trainingWords } from '../../../slm/src/tokenizer/train';
import type { TokenizerData } from '../../../slm/src/types';

const root = resolve(__dirname, '../../..');

/** A hand-made llama vocabulary: specials, 256 bytes, then the given pieces with scores. */
function vocab(pieces: [string, number][], addSpacePrefix = true): TokenizerData {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(byteTokenText(b));
    types.push(TOKEN_TYPE.byte);
    scores.push(0);
  }
  for (const [piece, score] of pieces) {
    tokens.push(piece);
    types.push(TOKEN_TYPE.normal);
    scores.push(score);
  }
  return { tokens, scores, types, bos: 1, eos: 2, unk: 0, pad: 0, addSpacePrefix };
}

const pieces = (t: SpmTokenizer, ids: number[]) => ids.map((id) => t.data.tokens[id]);

const CORPUS = [
  '### request: which driver does 8086:100e need?\n### intent: DRIVER_SELECT\n### answer: load driver e1000 for 8086:100e',
  '### request: install vlc please\n### intent: APP_INSTALL\n### answer: pkg install vlc',
  '### request: restart the ssh service\n### intent: SYSTEM_MANAGE\n### answer: service restart ssh',
  '### request: my wifi keeps dropping\n### intent: TROUBLESHOOT\n### answer: diagnose wifi',
  '### request: set the timezone to Paris\n### intent: INSTALL_CONFIGURE\n### answer: set timezone Europe/Paris',
  '### request: what is 10ec:8168?\n### intent: HARDWARE_IDENTIFY\n### answer: 10ec:8168 is Realtek RTL8111/8168; driver r8169',
  'Zürich café, naïve résumé: ÉTÉ',
];

const TRICKY = [
  '', ' ', '  ', 'a', ' a', '  leading spaces', 'trailing spaces   ', 'multiple   inner    spaces',
  'line\nbreaks\n\nand\r\nwindows', '\ttabs\tand\vvertical', 'emoji 🚀🔥 and a family 👨‍👩‍👧‍👦', '日本語のテキスト', 'Ünïcödé àccents çà et là',
  'control \u0000\u0001\u001f bytes', 'zero\u200bwidth and \u00a0no-break space', '<s> and </s> as plain text', 'math: ∑ ∫ √ ≤ ≥ ≠ ∞',
  'which driver does 8086:100e need?', '### request: install vlc\n### intent: APP_INSTALL', 'Ω≈ç√∫˜µ≤≥÷ — “quotes” ‘single’', '\u{10FFFF}\u{1F600}',
];

describe('slm tokenizer: the llama.cpp SPM algorithm', () => {
  it('merges the adjacent pair with the highest score first', () => {
    // "bc" outranks "ab": abc -> a + bc; then "▁a" merges; "▁abc" is no token.
    const t = new SpmTokenizer(vocab([['\u2581', -100], ['a', -101], ['b', -102], ['c', -103], ['bc', 0], ['ab', -1], ['\u2581a', -2]]));
    assert.deepEqual(pieces(t, t.encode('abc')), ['\u2581a', 'bc']);
  });

  it('breaks score ties leftmost', () => {
    const t = new SpmTokenizer(vocab([['\u2581', -100], ['a', -101], ['aa', -1]], false));
    assert.deepEqual(pieces(t, t.encode('aaa')), ['aa', 'a']);
    assert.deepEqual(pieces(t, t.encode('aaaa')), ['aa', 'aa']);
  });

  it('falls back to <0xXX> byte tokens for characters outside the vocabulary', () => {
    const t = new SpmTokenizer(vocab([['\u2581', -100], ['h', -101], ['i', -102]]));
    assert.deepEqual(pieces(t, t.encode('hi é')), ['\u2581', 'h', 'i', '\u2581', '<0xC3>', '<0xA9>']);
    assert.equal(t.decode(t.encode('hi é')), 'hi é');
  });

  it('adds the space prefix only when asked, and after special tokens', () => {
    const t = new SpmTokenizer(vocab([['\u2581', -100], ['x', -101], ['\u2581x', -1]]));
    assert.deepEqual(pieces(t, t.encode('x')), ['\u2581x']);
    assert.deepEqual(t.encode('x', { bos: true, eos: true }), [1, ...t.encode('x'), 2]);
    const noPrefix = new SpmTokenizer(vocab([['\u2581', -100], ['x', -101], ['\u2581x', -1]], false));
    assert.deepEqual(pieces(noPrefix, noPrefix.encode('x')), ['x']);
    // parse_special: control texts become their ids, and the text after them gets the prefix again.
    assert.deepEqual(pieces(t, t.encode('x</s>x', { parseSpecial: true })), ['\u2581x', '</s>', '\u2581x']);
    assert.ok(!t.encode('x</s>x').includes(2), 'without parseSpecial "</s>" is plain text');
    assert.deepEqual(t.encode(''), []);
    assert.deepEqual(t.encode('', { bos: true }), [1]);
  });

  it('decodes byte tokens into UTF-8 and drops control tokens', () => {
    const t = new SpmTokenizer(vocab([['\u2581', -100]]));
    const ids = t.encode('🚀', { bos: true, eos: true });
    assert.equal(ids.length, 2 + 1 + 4);
    assert.equal(t.decode(ids), '🚀');
    assert.deepEqual([...t.pieceOf(ids[1] as number)], [0x20]);
    assert.throws(() => t.decode([99999]), /not a token id/);
  });

  it('refuses a vocabulary it cannot use, saying what is wrong', () => {
    const data = vocab([['a', -1]]);
    assert.throws(() => new SpmTokenizer({ ...data, tokens: data.tokens.map((x) => (x === '<0x41>' ? 'A' : x)) }), /<0x41> is missing/);
    assert.throws(() => new SpmTokenizer({ ...data, scores: [1] }), /same length/);
    assert.throws(() => new SpmTokenizer({ ...data, bos: data.tokens.length }), /bos id/);
  });
});

describe('slm tokenizer: BPE training', () => {
  const data = trainBpe(CORPUS, { vocabSize: 400 });
  const t = new SpmTokenizer(data);

  it('lays the vocabulary out as llama does and reaches the asked size', () => {
    assert.equal(data.tokens.length, 400);
    assert.deepEqual(data.tokens.slice(0, 3), ['<unk>', '<s>', '</s>']);
    assert.deepEqual([data.unk, data.bos, data.eos], [0, 1, 2]);
    assert.equal(data.tokens[3 + 0x41], '<0x41>');
    assert.ok(data.types.slice(3, 259).every((x) => x === TOKEN_TYPE.byte));
    assert.equal(new Set(data.tokens).size, data.tokens.length, 'no duplicate token');
    const merges = data.tokens.map((tok, i) => ({ tok, score: data.scores[i] as number })).filter((x) => x.score > -1_000_000 && x.tok.length > 1 && !x.tok.startsWith('<'));
    assert.ok(merges.length > 50);
    for (let i = 1; i < merges.length; i++) assert.ok((merges[i] as { score: number }).score < (merges[i - 1] as { score: number }).score, 'merge scores fall in learning order');
    assert.ok(data.tokens.includes('\u2581request:') || data.tokens.includes('\u2581request'), 'frequent words become tokens');
  });

  it('never merges digits, and never across words', () => {
    for (const tok of data.tokens.slice(259)) {
      if (/\d/.test(tok)) assert.equal(tok.length, 1, `${tok} merges a digit`);
      assert.ok(!tok.slice(1).includes('\u2581'), `${tok} spans two words`);
    }
    assert.deepEqual(trainingWords('a  b\nc'), ['\u2581a', '\u2581', '\u2581b', '\n', 'c']);
    assert.throws(() => trainBpe(CORPUS, { vocabSize: MIN_VOCAB - 1 }), /at least/);
  });

  it('round-trips tricky text: decode(encode(x)) === x', () => {
    for (const text of [...TRICKY, ...CORPUS]) {
      assert.equal(t.decode(t.encode(text)), text, JSON.stringify(text));
      assert.equal(t.decode(t.encode(text, { bos: true, eos: true })), text, JSON.stringify(text));
    }
  });

  it('encodes training text with the learned merges (few tokens per word)', () => {
    const ids = t.encode('### request: driver');
    assert.deepEqual(pieces(t, ids), ['\u2581###', '\u2581request:', '\u2581driver']);
    assert.ok(!ids.some((id) => data.types[id] === TOKEN_TYPE.byte), 'no byte fallback for known characters');
  });

  it('saves and loads the vocabulary unchanged, with clear errors for a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auton-tok-'));
    try {
      saveTokenizer(join(dir, 't.json'), data);
      assert.deepEqual(loadTokenizerData(join(dir, 't.json')), data);
      writeFileSync(join(dir, 'bad.json'), '{"tokens": [');
      assert.throws(() => loadTokenizerData(join(dir, 'bad.json')), /not a tokenizer file.*auton slm data/);
      writeFileSync(join(dir, 'short.json'), JSON.stringify({ ...data, types: [] }));
      assert.throws(() => loadTokenizerData(join(dir, 'short.json')), /same length/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('slm tokenizer: the committed tokenizer (slm/data/tokenizer.json)', () => {
  it('round-trips every committed example and the tricky texts', () => {
    const t = loadTokenizer(join(root, 'slm', 'data', 'tokenizer.json'));
    const examples = ['validation', 'paraphrase'].flatMap((s) => readJsonl(join(root, 'slm', 'data', `${s}.jsonl`)));
    for (const text of [...examples.map(exampleText), ...TRICKY]) assert.equal(t.decode(t.encode(text)), text);
  });
});
