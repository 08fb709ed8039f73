/**
 * Parser of the rules language (see slm/rules/README.md) into a syntax tree. Errors carry the
 * file, line and column of the offending token and say what was expected.
 *
 *   file      := { settings | intent | NEWLINE }
 *   settings  := "settings" NL { ("temperature" NUMBER | "fallback" NAME) NL } "end"
 *   intent    := "intent" NAME NL block "end"
 *   block     := { statement NL }
 *   statement := "prior" NUMBER
 *              | "keyword" STRING { "," STRING } "weight" NUMBER
 *              | "pattern" REGEX "weight" NUMBER
 *              | "add" NUMBER
 *              | "if" cond "then" NL block { "elif" cond "then" NL block } [ "else" NL block ] "end"
 *   cond      := and { "or" and };  and := not { "and" not };  not := "not" not | atom
 *   atom      := "has" STRING { "," STRING } | "matches" REGEX | "(" cond ")"
 */
import { lex, RulesError, type Token } from './lexer';

export interface Pos {
  line: number;
  col: number;
}

export type Cond =
  | { kind: 'has'; phrases: { text: string; pos: Pos }[] }
  | { kind: 'matches'; source: string; pos: Pos }
  | { kind: 'not'; cond: Cond }
  | { kind: 'and' | 'or'; left: Cond; right: Cond };

export type Stmt =
  | { kind: 'prior'; value: number; pos: Pos }
  | { kind: 'keyword'; phrases: { text: string; pos: Pos }[]; weight: number; pos: Pos }
  | { kind: 'pattern'; source: string; weight: number; pos: Pos }
  | { kind: 'add'; value: number; pos: Pos }
  | { kind: 'if'; branches: { cond: Cond; body: Stmt[] }[]; otherwise: Stmt[]; pos: Pos };

export interface IntentDecl {
  name: string;
  pos: Pos;
  body: Stmt[];
}

export interface SettingsDecl {
  pos: Pos;
  temperature?: { value: number; pos: Pos };
  fallback?: { name: string; pos: Pos };
}

export interface RulesFile {
  file: string;
  intents: IntentDecl[];
  settings: SettingsDecl[];
}

const STATEMENT_WORDS = ['prior', 'keyword', 'pattern', 'add', 'if'];

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[], private readonly file: string) {}

  private get tok(): Token {
    return this.tokens[this.i] as Token;
  }

  private fail(token: Token, reason: string): never {
    throw new RulesError(this.file, token.line, token.col, reason);
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case 'newline': return 'the end of the line';
      case 'eof': return 'the end of the file';
      case 'string': return `"${t.text}"`;
      case 'regex': return `/${t.text}/`;
      default: return `"${t.text}"`;
    }
  }

  private isWord(text: string): boolean {
    return this.tok.kind === 'word' && this.tok.text === text;
  }

  private expectWord(text: string, context: string): Token {
    if (!this.isWord(text)) this.fail(this.tok, `expected "${text}" ${context}, found ${this.describe(this.tok)}`);
    return this.tokens[this.i++] as Token;
  }

  private expectKind(kind: Token['kind'], what: string): Token {
    if (this.tok.kind !== kind) this.fail(this.tok, `expected ${what}, found ${this.describe(this.tok)}`);
    return this.tokens[this.i++] as Token;
  }

  private number(what: string): number {
    const t = this.expectKind('number', what);
    const value = Number(t.text);
    if (!Number.isFinite(value)) this.fail(t, `${t.text} is not a number`);
    return value;
  }

  private endOfLine(): void {
    if (this.tok.kind === 'eof') return;
    if (this.tok.kind !== 'newline') this.fail(this.tok, `expected the end of the line, found ${this.describe(this.tok)}`);
    while (this.tok.kind === 'newline') this.i++;
  }

  private skipNewlines(): void {
    while (this.tok.kind === 'newline') this.i++;
  }

  parseFile(): RulesFile {
    const out: RulesFile = { file: this.file, intents: [], settings: [] };
    this.skipNewlines();
    while (this.tok.kind !== 'eof') {
      if (this.isWord('intent')) out.intents.push(this.intent());
      else if (this.isWord('settings')) out.settings.push(this.settings());
      else this.fail(this.tok, `expected "intent NAME" or "settings" at the top level, found ${this.describe(this.tok)}`);
      this.skipNewlines();
    }
    return out;
  }

  private settings(): SettingsDecl {
    const start = this.expectWord('settings', 'to open a settings block');
    const decl: SettingsDecl = { pos: { line: start.line, col: start.col } };
    this.endOfLine();
    while (!this.isWord('end')) {
      const t = this.tok;
      if (t.kind === 'eof') this.fail(start, 'this settings block has no "end"');
      if (this.isWord('temperature')) {
        this.i++;
        const at = this.tok;
        const value = this.number('a temperature such as 1.5');
        if (value <= 0) this.fail(at, 'the temperature must be above 0');
        decl.temperature = { value, pos: { line: at.line, col: at.col } };
      } else if (this.isWord('fallback')) {
        this.i++;
        const name = this.expectKind('word', 'an intent name after "fallback"');
        decl.fallback = { name: name.text, pos: { line: name.line, col: name.col } };
      } else {
        this.fail(t, `expected "temperature", "fallback" or "end" in settings, found ${this.describe(t)}`);
      }
      this.endOfLine();
    }
    this.i++;
    this.endOfLine();
    return decl;
  }

  private intent(): IntentDecl {
    this.expectWord('intent', 'to open an intent');
    const name = this.expectKind('word', 'an intent name after "intent" (e.g. intent DRIVER_SELECT)');
    this.endOfLine();
    const body = this.block(name, `intent ${name.text}`, ['end']);
    this.i++;
    this.endOfLine();
    return { name: name.text, pos: { line: name.line, col: name.col }, body };
  }

  /** Statements up to one of the `stops` words (not consumed). */
  private block(opener: Token, what: string, stops: string[]): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') this.fail(opener, `${what} has no "end"`);
      if (t.kind === 'word' && stops.includes(t.text)) return body;
      body.push(this.statement());
      this.endOfLine();
    }
  }

  private statement(): Stmt {
    const t = this.tok;
    const pos = { line: t.line, col: t.col };
    if (t.kind !== 'word' || !STATEMENT_WORDS.includes(t.text)) {
      const hint = t.kind === 'word' && t.text === 'intent' ? ' (the previous intent needs an "end" first)' : '';
      this.fail(t, `expected a statement (${STATEMENT_WORDS.join(', ')}) or "end", found ${this.describe(t)}${hint}`);
    }
    this.i++;
    switch (t.text) {
      case 'prior':
        return { kind: 'prior', value: this.number('a number after "prior"'), pos };
      case 'add':
        return { kind: 'add', value: this.number('a number after "add"'), pos };
      case 'keyword': {
        const phrases = this.phrases();
        this.expectWord('weight', 'after the keyword phrases (keyword "..." weight N)');
        return { kind: 'keyword', phrases, weight: this.number('a number after "weight"'), pos };
      }
      case 'pattern': {
        const re = this.expectKind('regex', 'a /pattern/ after "pattern"');
        this.expectWord('weight', 'after the pattern (pattern /.../ weight N)');
        return { kind: 'pattern', source: re.text, weight: this.number('a number after "weight"'), pos: { line: re.line, col: re.col } };
      }
      default:
        return this.ifStatement(t, pos);
    }
  }

  private phrases(): { text: string; pos: Pos }[] {
    const list = [this.phrase()];
    while (this.tok.kind === 'comma') {
      this.i++;
      list.push(this.phrase());
    }
    return list;
  }

  private phrase(): { text: string; pos: Pos } {
    const s = this.expectKind('string', 'a "quoted phrase"');
    return { text: s.text, pos: { line: s.line, col: s.col } };
  }

  private ifStatement(opener: Token, pos: Pos): Stmt {
    const branches: { cond: Cond; body: Stmt[] }[] = [];
    let otherwise: Stmt[] = [];
    for (;;) {
      const cond = this.cond();
      this.expectWord('then', 'after the condition');
      this.endOfLine();
      branches.push({ cond, body: this.block(opener, '"if"', ['elif', 'else', 'end']) });
      if (this.isWord('elif')) {
        this.i++;
        continue;
      }
      if (this.isWord('else')) {
        this.i++;
        if (this.isWord('if')) this.fail(this.tok, 'write "elif" instead of "else if"');
        this.endOfLine();
        otherwise = this.block(opener, '"if"', ['end']);
      }
      break;
    }
    this.expectWord('end', 'to close the "if"');
    return { kind: 'if', branches, otherwise, pos };
  }

  private cond(): Cond {
    let left = this.andCond();
    while (this.isWord('or')) {
      this.i++;
      left = { kind: 'or', left, right: this.andCond() };
    }
    return left;
  }

  private andCond(): Cond {
    let left = this.notCond();
    while (this.isWord('and')) {
      this.i++;
      left = { kind: 'and', left, right: this.notCond() };
    }
    return left;
  }

  private notCond(): Cond {
    if (this.isWord('not')) {
      this.i++;
      return { kind: 'not', cond: this.notCond() };
    }
    return this.atom();
  }

  private atom(): Cond {
    const t = this.tok;
    if (this.isWord('has')) {
      this.i++;
      return { kind: 'has', phrases: this.phrases() };
    }
    if (this.isWord('matches')) {
      this.i++;
      const re = this.expectKind('regex', 'a /pattern/ after "matches"');
      return { kind: 'matches', source: re.text, pos: { line: re.line, col: re.col } };
    }
    if (t.kind === 'lparen') {
      this.i++;
      const inner = this.cond();
      this.expectKind('rparen', '")" to close the condition');
      return inner;
    }
    return this.fail(t, `expected a condition (has "...", matches /.../, not, or a parenthesis), found ${this.describe(t)}`);
  }
}

export function parseRules(source: string, file: string): RulesFile {
  return new Parser(lex(source, file), file).parseFile();
}
