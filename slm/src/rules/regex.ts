/**
 * The pattern language of the rules: a small regular-expression subset compiled to a Thompson
 * program (Pike VM), so the TypeScript interpreter and the kernel's C tables run the very same
 * instructions. Patterns search the normalised (lowercase) request as UTF-8 bytes.
 *
 * Supported: literals; escapes \\ \/ \. \( \) \[ \] \{ \} \? \* \+ \| \^ \$ \- \' \n \t;
 * classes \d \w \s \D \W \S; "." (any byte); [a-z0-9_] and [^...] with ranges and \d \w \s;
 * groups (...) and (?:...); alternation a|b; greedy ? * + {n} {n,} {n,m}; anchors ^ $; word
 * boundaries \b \B. No lazy quantifiers, backreferences or lookaround.
 */

export const OP = { byte: 0, class: 1, any: 2, split: 3, jmp: 4, bol: 5, eol: 6, wordb: 7, nwordb: 8, match: 9 } as const;
export type Op = (typeof OP)[keyof typeof OP];

/** One instruction: byte/class use `arg`; split jumps to x (preferred) and y; jmp to x. */
export interface Inst {
  op: Op;
  arg: number;
  x: number;
  y: number;
}

export interface Program {
  insts: Inst[];
  classes: Uint8Array[]; // 32-byte bitmaps, one bit per byte value
}

/** A pattern error at an offset within the pattern source. */
export class PatternError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type Node =
  | { kind: 'byte'; value: number }
  | { kind: 'class'; set: Uint8Array }
  | { kind: 'any' }
  | { kind: 'assert'; op: Op }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number }; // max -1 = unbounded

const MAX_REPEAT = 32;
const MAX_INSTS = 4096;

function setOf(test: (b: number) => boolean): Uint8Array {
  const set = new Uint8Array(32);
  for (let b = 0; b < 256; b++) if (test(b)) set[b >> 3]! |= 1 << (b & 7);
  return set;
}

export function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f;
}

const CLASS_SETS: Record<string, Uint8Array> = {
  d: setOf((b) => b >= 0x30 && b <= 0x39),
  w: setOf(isWordByte),
  s: setOf((b) => b === 0x20 || (b >= 0x09 && b <= 0x0d)),
  D: setOf((b) => !(b >= 0x30 && b <= 0x39)),
  W: setOf((b) => !isWordByte(b)),
  S: setOf((b) => !(b === 0x20 || (b >= 0x09 && b <= 0x0d))),
};

const LITERAL_ESCAPES: Record<string, number> = { n: 0x0a, t: 0x09 };
const ESCAPABLE = '\\/.()[]{}?*+|^$-\'"';

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.src.length) throw new PatternError(`unexpected "${this.src[this.pos]}"`, this.pos);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private alternation(): Node {
    const items = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.sequence());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'alt', items };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) items.push(this.quantified());
    return { kind: 'seq', items };
  }

  private quantified(): Node {
    const start = this.pos;
    const item = this.atom();
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '?') [min, max] = [0, 1];
    else if (c === '*') [min, max] = [0, -1];
    else if (c === '+') [min, max] = [1, -1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) throw new PatternError('"{" starts a count like {2} or {1,3}; write \\{ for a literal brace', this.pos);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
      if (max !== -1 && max < min) throw new PatternError(`{${min},${max}}: the maximum is below the minimum`, this.pos);
      if (min > MAX_REPEAT || max > MAX_REPEAT) throw new PatternError(`counts above ${MAX_REPEAT} are not supported`, this.pos);
      this.pos += m[0].length - 1;
    } else return item;
    this.pos++;
    if (item.kind === 'assert') throw new PatternError('an anchor or \\b cannot be repeated', start);
    const next = this.peek();
    if (next === '?') throw new PatternError('lazy quantifiers (*?, +?) are not supported; patterns only test whether the text matches', this.pos);
    if (next === '*' || next === '+' || next === '{') throw new PatternError(`"${next}" cannot follow another quantifier`, this.pos);
    return { kind: 'repeat', item, min, max };
  }

  private atom(): Node {
    const at = this.pos;
    const c = this.src[this.pos++];
    switch (c) {
      case '(': {
        if (this.src.startsWith('?:', this.pos)) this.pos += 2;
        else if (this.peek() === '?') throw new PatternError('only (?:...) groups are supported (no lookaround)', this.pos);
        const node = this.alternation();
        if (this.peek() !== ')') throw new PatternError('missing ")" to close the group', at);
        this.pos++;
        return node;
      }
      case ')':
        throw new PatternError('unmatched ")"', at);
      case '[':
        return this.bracket(at);
      case '.':
        return { kind: 'any' };
      case '^':
        return { kind: 'assert', op: OP.bol };
      case '$':
        return { kind: 'assert', op: OP.eol };
      case '*': case '+': case '?':
        throw new PatternError(`"${c}" has nothing to repeat`, at);
      case '\\':
        return this.escape(at);
      case undefined:
        throw new PatternError('unexpected end of pattern', at);
      default:
        return this.literal(c);
    }
  }

  private literal(c: string): Node {
    // A non-ASCII character is its UTF-8 byte sequence (surrogate pairs kept together).
    let text = c;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdbff && this.pos < this.src.length) text += this.src[this.pos++];
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length === 1) return { kind: 'byte', value: bytes[0] as number };
    return { kind: 'seq', items: [...bytes].map((value): Node => ({ kind: 'byte', value })) };
  }

  private escape(at: number): Node {
    const e = this.src[this.pos++];
    if (e === undefined) throw new PatternError('pattern ends with a lone "\\"', at);
    if (e === 'b') return { kind: 'assert', op: OP.wordb };
    if (e === 'B') return { kind: 'assert', op: OP.nwordb };
    const set = CLASS_SETS[e];
    if (set) return { kind: 'class', set };
    const literal = LITERAL_ESCAPES[e];
    if (literal !== undefined) return { kind: 'byte', value: literal };
    if (ESCAPABLE.includes(e)) return { kind: 'byte', value: e.charCodeAt(0) };
    throw new PatternError(`unknown escape "\\${e}"`, at);
  }

  private bracketByte(): { byte?: number; set?: Uint8Array } {
    const at = this.pos;
    const c = this.src[this.pos++];
    if (c === undefined) throw new PatternError('missing "]" to close the class', at);
    if (c !== '\\') {
      if (c.charCodeAt(0) > 0x7f) throw new PatternError('classes hold ASCII characters only', at);
      return { byte: c.charCodeAt(0) };
    }
    const e = this.src[this.pos++];
    if (e === undefined) throw new PatternError('missing "]" to close the class', at);
    const set = CLASS_SETS[e];
    if (set) return { set };
    const literal = LITERAL_ESCAPES[e];
    if (literal !== undefined) return { byte: literal };
    if (ESCAPABLE.includes(e)) return { byte: e.charCodeAt(0) };
    throw new PatternError(`unknown escape "\\${e}" in a class`, at);
  }

  private bracket(at: number): Node {
    const negate = this.peek() === '^';
    if (negate) this.pos++;
    const set = new Uint8Array(32);
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.peek() === undefined) throw new PatternError('missing "]" to close the class', at);
      first = false;
      const lo = this.bracketByte();
      if (lo.set) {
        lo.set.forEach((v, i) => (set[i]! |= v));
        continue;
      }
      let hi = lo.byte as number;
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const end = this.bracketByte();
        if (end.set) throw new PatternError('a range cannot end with a class like \\d', this.pos - 2);
        hi = end.byte as number;
        if (hi < (lo.byte as number)) throw new PatternError('a range goes from low to high, e.g. [a-z]', this.pos - 3);
      }
      for (let b = lo.byte as number; b <= hi; b++) set[b >> 3]! |= 1 << (b & 7);
    }
    this.pos++;
    if (negate) for (let i = 0; i < 32; i++) set[i] = ~set[i]! & 0xff;
    return { kind: 'class', set };
  }
}

class Compiler {
  readonly insts: Inst[] = [];
  readonly classes: Uint8Array[] = [];

  emit(op: Op, arg = 0, x = 0, y = 0): number {
    if (this.insts.length >= MAX_INSTS) throw new PatternError(`the pattern compiles to more than ${MAX_INSTS} instructions; simplify it`, 0);
    this.insts.push({ op, arg, x, y });
    return this.insts.length - 1;
  }

  private classIndex(set: Uint8Array): number {
    const found = this.classes.findIndex((c) => c.every((v, i) => v === set[i]));
    if (found >= 0) return found;
    this.classes.push(set);
    return this.classes.length - 1;
  }

  node(n: Node): void {
    switch (n.kind) {
      case 'byte': this.emit(OP.byte, n.value); break;
      case 'class': this.emit(OP.class, this.classIndex(n.set)); break;
      case 'any': this.emit(OP.any); break;
      case 'assert': this.emit(n.op); break;
      case 'seq': n.items.forEach((item) => this.node(item)); break;
      case 'alt': {
        // split L1, next; L1: a; jmp end; next: split L2, ... ; last alternative plain.
        const jumps: number[] = [];
        n.items.forEach((item, i) => {
          if (i < n.items.length - 1) {
            const split = this.emit(OP.split);
            (this.insts[split] as Inst).x = this.insts.length;
            this.node(item);
            jumps.push(this.emit(OP.jmp));
            (this.insts[split] as Inst).y = this.insts.length;
          } else this.node(item);
        });
        for (const j of jumps) (this.insts[j] as Inst).x = this.insts.length;
        break;
      }
      case 'repeat': {
        for (let i = 0; i < n.min; i++) this.node(n.item);
        if (n.max === -1) {
          // L: split body, end; body; jmp L
          const split = this.emit(OP.split);
          (this.insts[split] as Inst).x = this.insts.length;
          this.node(n.item);
          this.emit(OP.jmp, 0, split);
          (this.insts[split] as Inst).y = this.insts.length;
        } else {
          const splits: number[] = [];
          for (let i = n.min; i < n.max; i++) {
            const split = this.emit(OP.split);
            (this.insts[split] as Inst).x = this.insts.length;
            splits.push(split);
            this.node(n.item);
          }
          for (const s of splits) (this.insts[s] as Inst).y = this.insts.length;
        }
        break;
      }
    }
  }
}

/** Parses and compiles a pattern (the text between the slashes). */
export function compilePattern(source: string): Program {
  if (source.length === 0) throw new PatternError('the pattern is empty', 0);
  const ast = new Parser(source).parse();
  const c = new Compiler();
  c.node(ast);
  c.emit(OP.match);
  return { insts: c.insts, classes: c.classes };
}

/** Whether the program matches anywhere in `text` (UTF-8 bytes): a Pike VM search. */
export function searchProgram(program: Program, text: Uint8Array): boolean {
  const { insts, classes } = program;
  const n = insts.length;
  let current = new Int32Array(n);
  let next = new Int32Array(n);
  let currentCount = 0;
  let nextCount = 0;
  const onList = new Int32Array(n).fill(-1); // generation stamp per pc
  let generation = 0;
  const stack: number[] = [];

  /** Adds pc and its epsilon closure at position `at` to the list being built. */
  const add = (list: Int32Array, count: number, pc0: number, at: number): number => {
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (onList[pc] === generation) continue;
      onList[pc] = generation;
      const inst = insts[pc] as Inst;
      switch (inst.op) {
        case OP.jmp: stack.push(inst.x); break;
        case OP.split: stack.push(inst.y, inst.x); break;
        case OP.bol: if (at === 0) stack.push(pc + 1); break;
        case OP.eol: if (at === text.length) stack.push(pc + 1); break;
        case OP.wordb: case OP.nwordb: {
          const before = at > 0 && isWordByte(text[at - 1] as number);
          const after = at < text.length && isWordByte(text[at] as number);
          if ((before !== after) === (inst.op === OP.wordb)) stack.push(pc + 1);
          break;
        }
        default: list[count++] = pc;
      }
    }
    return count;
  };

  for (let at = 0; ; at++) {
    // Search: a new thread starts at every position.
    currentCount = add(current, currentCount, 0, at);
    for (let i = 0; i < currentCount; i++) if ((insts[current[i] as number] as Inst).op === OP.match) return true;
    if (at === text.length) return false;
    generation++;
    nextCount = 0;
    const b = text[at] as number;
    for (let i = 0; i < currentCount; i++) {
      const pc = current[i] as number;
      const inst = insts[pc] as Inst;
      const ok = inst.op === OP.any || (inst.op === OP.byte && inst.arg === b)
        || (inst.op === OP.class && (((classes[inst.arg] as Uint8Array)[b >> 3] as number) & (1 << (b & 7))) !== 0);
      if (ok) nextCount = add(next, nextCount, pc + 1, at + 1);
    }
    [current, next] = [next, current];
    currentCount = nextCount;
  }
}
