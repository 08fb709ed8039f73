/**
 * Syntax trees -> rule tables: flat arrays of keywords, compiled patterns, conditions and
 * statements, weights as integers in thousandths. The TypeScript interpreter runs these tables
 * and the C generator prints them, so both agree to the last point of score.
 */
import { INTENTS, type Intent } from '../types';
import { RulesError } from './lexer';
import type { Cond, Pos, RulesFile, Stmt } from './parser';
import { compilePattern, PatternError, type Program } from './regex';

export const WEIGHT_SCALE = 1000;

export interface Keyword {
  text: string; // normalised phrase, without a trailing "*"
  bytes: Buffer; // text as UTF-8
  prefix: boolean; // "instal*": the last word may continue
}

export interface Pattern {
  source: string;
  program: Program;
}

export type CondOp = 'has' | 'matches' | 'not' | 'and' | 'or';
/** has: keywords [a, a+b) (any); matches: a = pattern; not: a = condition; and/or: a, b = conditions. */
export interface CondRow {
  op: CondOp;
  a: number;
  b: number;
}

export type StmtOp = 'keyword' | 'pattern' | 'add' | 'if';
/**
 * keyword: keywords [a, a+b) (any of them fires the weight); pattern: pattern a; add: always;
 * if: condition a, then-block [b, b+c), else-block [d, d+e).
 */
export interface StmtRow {
  op: StmtOp;
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  weight: number; // thousandths
}

export interface IntentRow {
  intent: Intent;
  declared: boolean;
  prior: number; // thousandths
  first: number; // block [first, first+count) of statements
  count: number;
}

export interface RuleSet {
  intents: IntentRow[]; // in INTENTS order
  stmts: StmtRow[];
  keywords: Keyword[];
  patterns: Pattern[];
  conds: CondRow[];
  temperature: number; // thousandths
  fallback: number; // index into INTENTS, -1 for none
  files: string[];
}

const DEFAULT_TEMPERATURE = 1;

function toMilli(value: number): number {
  return Math.round(value * WEIGHT_SCALE);
}

class Compiler {
  readonly set: RuleSet;
  private file = '';

  constructor(files: string[]) {
    this.set = {
      intents: INTENTS.map((intent) => ({ intent, declared: false, prior: 0, first: 0, count: 0 })),
      stmts: [], keywords: [], patterns: [], conds: [], temperature: toMilli(DEFAULT_TEMPERATURE), fallback: -1, files,
    };
  }

  private fail(pos: Pos, reason: string): never {
    throw new RulesError(this.file, pos.line, pos.col, reason);
  }

  private intentIndex(name: string, pos: Pos): number {
    const index = INTENTS.indexOf(name as Intent);
    if (index < 0) {
      const near = INTENTS.find((i) => i.toLowerCase() === name.toLowerCase() || i.startsWith(name.toUpperCase()));
      this.fail(pos, `unknown intent "${name}"${near ? ` (did you mean ${near}?)` : ''}; the intents are ${INTENTS.join(', ')}`);
    }
    return index;
  }

  addFile(rules: RulesFile, declaredAt: Map<string, string>, settingsAt: { where?: string }): void {
    this.file = rules.file;
    for (const s of rules.settings) {
      if (settingsAt.where !== undefined) this.fail(s.pos, `a second settings block (the first is at ${settingsAt.where}); keep one`);
      settingsAt.where = `${rules.file}:${s.pos.line}`;
      if (s.temperature) this.set.temperature = toMilli(s.temperature.value);
      if (s.fallback) this.set.fallback = this.intentIndex(s.fallback.name, s.fallback.pos);
    }
    for (const decl of rules.intents) {
      const index = this.intentIndex(decl.name, decl.pos);
      const where = `${rules.file}:${decl.pos.line}`;
      const earlier = declaredAt.get(decl.name);
      if (earlier !== undefined) this.fail(decl.pos, `intent ${decl.name} is already declared at ${earlier}; put all its rules in one block`);
      declaredAt.set(decl.name, where);
      const row = this.set.intents[index] as IntentRow;
      row.declared = true;
      const priors = decl.body.filter((s) => s.kind === 'prior');
      if (priors.length > 1) this.fail((priors[1] as { pos: Pos }).pos, 'an intent has at most one "prior"');
      row.prior = priors.length === 1 ? toMilli((priors[0] as { value: number }).value) : 0;
      const [first, count] = this.block(decl.body.filter((s) => s.kind !== 'prior'));
      row.first = first;
      row.count = count;
    }
  }

  /** Lays a block's statements out contiguously, then the blocks nested in it. */
  private block(body: Stmt[]): [number, number] {
    const first = this.set.stmts.length;
    for (let k = 0; k < body.length; k++) this.set.stmts.push({ op: 'add', a: 0, b: 0, c: 0, d: 0, e: 0, weight: 0 });
    body.forEach((stmt, k) => {
      this.set.stmts[first + k] = this.statement(stmt);
    });
    return [first, body.length];
  }

  private statement(stmt: Stmt): StmtRow {
    const row: StmtRow = { op: 'add', a: 0, b: 0, c: 0, d: 0, e: 0, weight: 0 };
    switch (stmt.kind) {
      case 'prior':
        return this.fail(stmt.pos, '"prior" belongs at the top of an intent, not inside an "if"');
      case 'add':
        return { ...row, weight: toMilli(stmt.value) };
      case 'keyword': {
        const a = this.set.keywords.length;
        for (const p of stmt.phrases) this.set.keywords.push(this.keyword(p.text, p.pos));
        return { ...row, op: 'keyword', a, b: stmt.phrases.length, weight: toMilli(stmt.weight) };
      }
      case 'pattern':
        return { ...row, op: 'pattern', a: this.pattern(stmt.source, stmt.pos), weight: toMilli(stmt.weight) };
      case 'if': {
        const [branch, ...rest] = stmt.branches;
        if (!branch) return this.fail(stmt.pos, '"if" needs a condition');
        const cond = this.cond(branch.cond);
        const [b, c] = this.block(branch.body);
        const otherwise: Stmt[] = rest.length > 0 ? [{ kind: 'if', branches: rest, otherwise: stmt.otherwise, pos: stmt.pos }] : stmt.otherwise;
        const [d, e] = this.block(otherwise);
        return { ...row, op: 'if', a: cond, b, c, d, e };
      }
    }
  }

  private keyword(raw: string, pos: Pos): Keyword {
    const text = raw.replace(/\s+/g, ' ').trim();
    if (text === '' || text === '*') this.fail(pos, 'a keyword phrase cannot be empty');
    if (/[A-Z]/.test(text)) this.fail(pos, `"${raw}" has capital letters; requests are lowercased before matching, write it as "${raw.toLowerCase()}"`);
    const star = text.indexOf('*');
    if (star >= 0 && star !== text.length - 1) this.fail(pos, `"${raw}": "*" may only end a phrase (a word prefix such as "instal*")`);
    if (/[\u2018\u2019\u201c\u201d]/.test(text)) this.fail(pos, `"${raw}": use plain ' and " quotes; requests are normalised to them`);
    const phrase = star >= 0 ? text.slice(0, -1) : text;
    return { text: phrase, bytes: Buffer.from(phrase, 'utf8'), prefix: star >= 0 };
  }

  private pattern(source: string, pos: Pos): number {
    if (/[A-Z]/.test(source.replace(/\\[A-Za-z]/g, ''))) {
      this.fail(pos, `/${source}/ has capital letters; requests are lowercased before matching, write the pattern in lowercase`);
    }
    const existing = this.set.patterns.findIndex((p) => p.source === source);
    if (existing >= 0) return existing;
    let program: Program;
    try {
      program = compilePattern(source);
    } catch (error) {
      if (error instanceof PatternError) this.fail({ line: pos.line, col: pos.col + 1 + error.offset }, `bad pattern: ${error.message}`);
      throw error;
    }
    this.set.patterns.push({ source, program });
    return this.set.patterns.length - 1;
  }

  private cond(c: Cond): number {
    let row: CondRow;
    switch (c.kind) {
      case 'has': {
        const a = this.set.keywords.length;
        for (const p of c.phrases) this.set.keywords.push(this.keyword(p.text, p.pos));
        row = { op: 'has', a, b: c.phrases.length };
        break;
      }
      case 'matches':
        row = { op: 'matches', a: this.pattern(c.source, c.pos), b: 0 };
        break;
      case 'not':
        row = { op: 'not', a: this.cond(c.cond), b: 0 };
        break;
      default:
        row = { op: c.kind, a: this.cond(c.left), b: this.cond(c.right) };
    }
    this.set.conds.push(row);
    return this.set.conds.length - 1;
  }
}

/** Compiles parsed files (in the order given) into one rule set. */
export function compileRules(files: readonly RulesFile[]): RuleSet {
  const compiler = new Compiler(files.map((f) => f.file));
  const declared = new Map<string, string>();
  const settings: { where?: string } = {};
  for (const f of files) compiler.addFile(f, declared, settings);
  return compiler.set;
}
