/**
 * GDB/MI output records, parsed by the grammar in gdb's manual ("GDB/MI Output Syntax"):
 *
 *   result-record  = [token] "^" class ("," result)*
 *   async-record   = [token] ("*" | "+" | "=") class ("," result)*
 *   stream-record  = ("~" | "@" | "&") c-string
 *   result         = variable "=" value
 *   value          = c-string | tuple | list
 *   tuple          = "{}" | "{" result ("," result)* "}"
 *   list           = "[]" | "[" value ("," value)* "]" | "[" result ("," result)* "]"
 *
 * A line is parsed from its bytes (one latin1 character per byte): gdb writes C escapes,
 * including octal escapes for the bytes of non-ASCII text, and the string is decoded as
 * UTF-8 once its bytes are known. No `vscode` import: the adapter runs outside VS Code.
 */

/** A tuple: its results by name. A name given twice collects its values in a list. */
export interface MiTuple {
  readonly [name: string]: MiValue;
}
export type MiValue = string | MiTuple | readonly MiValue[];

export type MiResultClass = 'done' | 'running' | 'connected' | 'error' | 'exit';
const RESULT_CLASSES: readonly string[] = ['done', 'running', 'connected', 'error', 'exit'];

export type MiRecord =
  | { readonly type: 'result'; readonly token?: number; readonly resultClass: MiResultClass; readonly results: MiTuple }
  | {
      /** `*` exec (running, stopped), `+` status (progress), `=` notify (threads, breakpoints). */
      readonly type: 'exec' | 'status' | 'notify';
      readonly token?: number;
      readonly asyncClass: string;
      readonly results: MiTuple;
    }
  | {
      /** `~` console (gdb's CLI output), `@` target, `&` log (gdb's own messages and errors). */
      readonly type: 'console' | 'target' | 'log';
      readonly text: string;
    }
  /** The `(gdb)` line that ends a batch of output. */
  | { readonly type: 'prompt' }
  /** A line that is not MI at all, kept so nothing gdb says is lost. */
  | { readonly type: 'text'; readonly text: string };

export class MiSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: string,
    readonly offset: number,
  ) {
    super(`${message} at column ${offset + 1} of MI output: ${line}`);
    this.name = 'MiSyntaxError';
  }
}

const STREAM_TYPES = { '~': 'console', '@': 'target', '&': 'log' } as const;
const ASYNC_TYPES = { '*': 'exec', '+': 'status', '=': 'notify' } as const;

/** Parses one line of gdb's MI output (without its line ending). Never throws. */
export function parseMiLine(line: string): MiRecord {
  const text = line.replace(/\r$/, '');
  if (/^\(gdb\)\s*$/.test(text)) {
    return { type: 'prompt' };
  }
  try {
    return new Parser(text).record();
  } catch (error) {
    if (error instanceof MiSyntaxError) {
      return { type: 'text', text: decodeBytes(text) };
    }
    throw error;
  }
}

/** Parses a whole line strictly, throwing MiSyntaxError where it breaks the grammar. */
export function parseMiRecord(line: string): MiRecord {
  return new Parser(line.replace(/\r$/, '')).record();
}

class Parser {
  private at = 0;

  constructor(private readonly line: string) {}

  record(): MiRecord {
    const first = this.line[0];
    if (first !== undefined && first in STREAM_TYPES) {
      this.at = 1;
      const text = this.cString();
      this.end();
      return { type: STREAM_TYPES[first as keyof typeof STREAM_TYPES], text };
    }
    const token = this.token();
    const sigil = this.line[this.at];
    if (sigil === '^') {
      this.at++;
      const resultClass = this.word();
      if (!RESULT_CLASSES.includes(resultClass)) {
        this.fail(`unknown result class "${resultClass}"`);
      }
      return { type: 'result', token, resultClass: resultClass as MiResultClass, results: this.trailingResults() };
    }
    if (sigil !== undefined && sigil in ASYNC_TYPES) {
      this.at++;
      const asyncClass = this.word();
      return { type: ASYNC_TYPES[sigil as keyof typeof ASYNC_TYPES], token, asyncClass, results: this.trailingResults() };
    }
    return this.fail('expected a record');
  }

  private token(): number | undefined {
    const start = this.at;
    while (this.isDigit(this.line[this.at])) {
      this.at++;
    }
    return this.at > start ? Number(this.line.slice(start, this.at)) : undefined;
  }

  private isDigit(char: string | undefined): boolean {
    return char !== undefined && char >= '0' && char <= '9';
  }

  /** A class or variable name: anything up to `,` `=` or the end (gdb uses letters, digits, `-` and `_`). */
  private word(): string {
    const start = this.at;
    while (this.at < this.line.length && !',={}[]"'.includes(this.line[this.at]!)) {
      this.at++;
    }
    if (this.at === start) {
      this.fail('expected a name');
    }
    return this.line.slice(start, this.at);
  }

  private trailingResults(): MiTuple {
    const results = new TupleBuilder();
    while (this.at < this.line.length) {
      this.expect(',');
      const [name, value] = this.result();
      results.add(name, value);
    }
    return results.build();
  }

  private result(): [string, MiValue] {
    const name = this.word();
    this.expect('=');
    return [name, this.value()];
  }

  private value(): MiValue {
    switch (this.line[this.at]) {
      case '"':
        return this.cString();
      case '{':
        return this.tuple();
      case '[':
        return this.list();
      default:
        return this.fail('expected a value ("...", {...} or [...])');
    }
  }

  private tuple(): MiTuple {
    this.expect('{');
    const results = new TupleBuilder();
    if (this.line[this.at] === '}') {
      this.at++;
      return results.build();
    }
    for (;;) {
      const [name, value] = this.result();
      results.add(name, value);
      if (this.line[this.at] === '}') {
        this.at++;
        return results.build();
      }
      this.expect(',');
    }
  }

  /** A list of values, or of results whose names are dropped (they repeat: `frame=`, `child=`). */
  private list(): MiValue[] {
    this.expect('[');
    const values: MiValue[] = [];
    if (this.line[this.at] === ']') {
      this.at++;
      return values;
    }
    for (;;) {
      const char = this.line[this.at];
      values.push(char === '"' || char === '{' || char === '[' ? this.value() : this.result()[1]);
      if (this.line[this.at] === ']') {
        this.at++;
        return values;
      }
      this.expect(',');
    }
  }

  /** A C string: `"` ... `"` with \n \t \" \\ \ooo \xhh and friends; its bytes decoded as UTF-8. */
  private cString(): string {
    this.expect('"');
    const bytes: number[] = [];
    for (;;) {
      const char = this.line[this.at];
      if (char === undefined) {
        return this.fail('unterminated string');
      }
      this.at++;
      if (char === '"') {
        return Buffer.from(bytes).toString('utf8');
      }
      if (char !== '\\') {
        bytes.push(char.charCodeAt(0) & 0xff);
        continue;
      }
      const escaped = this.line[this.at];
      if (escaped === undefined) {
        return this.fail('unterminated escape');
      }
      this.at++;
      const simple = SIMPLE_ESCAPES[escaped];
      if (simple !== undefined) {
        bytes.push(simple);
      } else if (escaped >= '0' && escaped <= '7') {
        let code = Number(escaped);
        for (let n = 0; n < 2 && /[0-7]/.test(this.line[this.at] ?? ''); n++) {
          code = code * 8 + Number(this.line[this.at++]);
        }
        bytes.push(code & 0xff);
      } else if (escaped === 'x' && /[0-9a-fA-F]/.test(this.line[this.at] ?? '')) {
        let hex = '';
        while (hex.length < 2 && /[0-9a-fA-F]/.test(this.line[this.at] ?? '')) {
          hex += this.line[this.at++];
        }
        bytes.push(parseInt(hex, 16));
      } else {
        // An unknown escape stands for the character itself, as in C compilers' lenient mode.
        bytes.push(escaped.charCodeAt(0) & 0xff);
      }
    }
  }

  private expect(char: string): void {
    if (this.line[this.at] !== char) {
      this.fail(`expected "${char}"`);
    }
    this.at++;
  }

  private end(): void {
    if (this.at !== this.line.length) {
      this.fail('unexpected text after the record');
    }
  }

  private fail(message: string): never {
    throw new MiSyntaxError(message, this.line, this.at);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 0x0a,
  t: 0x09,
  r: 0x0d,
  '"': 0x22,
  '\\': 0x5c,
  "'": 0x27,
  '?': 0x3f,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  v: 0x0b,
  e: 0x1b,
};

class TupleBuilder {
  private readonly entries = new Map<string, MiValue>();
  private readonly repeated = new Set<string>();

  add(name: string, value: MiValue): void {
    const before = this.entries.get(name);
    if (before === undefined) {
      this.entries.set(name, value);
    } else if (this.repeated.has(name)) {
      (before as MiValue[]).push(value);
    } else {
      this.repeated.add(name);
      this.entries.set(name, [before, value]);
    }
  }

  build(): MiTuple {
    return Object.fromEntries(this.entries);
  }
}

function decodeBytes(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** Quotes an MI command parameter as a C string (always safe; needed for spaces and quotes). */
export function miQuote(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) {
      out += `\\${String.fromCharCode(byte)}`;
    } else if (byte === 0x0a) {
      out += '\\n';
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += `\\${byte.toString(8).padStart(3, '0')}`;
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return `${out}"`;
}

// Typed access to parsed values: MI has only strings, tuples and lists, so these say which
// one the caller expects and return undefined for anything else.

export function miString(value: MiValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function miTuple(value: MiValue | undefined): MiTuple | undefined {
  return typeof value === 'object' && !Array.isArray(value) ? (value as MiTuple) : undefined;
}

export function miList(value: MiValue | undefined): readonly MiValue[] {
  return Array.isArray(value) ? (value as readonly MiValue[]) : [];
}

/** A list of tuples (frames, threads, variables), skipping anything else in it. */
export function miTuples(value: MiValue | undefined): MiTuple[] {
  return miList(value).flatMap((item) => {
    const tuple = miTuple(item);
    return tuple === undefined ? [] : [tuple];
  });
}

export function miNumber(value: MiValue | undefined): number | undefined {
  const text = miString(value);
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}
