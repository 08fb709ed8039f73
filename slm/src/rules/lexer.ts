/**
 * Tokens of the rules language, with 1-based line and column for error messages. Comments run
 * from "#" to the end of the line; newlines end statements.
 */

export type TokenKind = 'word' | 'number' | 'string' | 'regex' | 'comma' | 'lparen' | 'rparen' | 'newline' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string; // word/number source, string contents (escapes resolved), regex source
  line: number;
  col: number;
}

/** An error at a place in a rules file, printed as "file:line:col: message". */
export class RulesError extends Error {
  override name = 'RulesError';

  constructor(readonly file: string, readonly line: number, readonly col: number, readonly reason: string) {
    super(`${file}:${line}:${col}: ${reason}`);
  }
}

export function lex(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const col = (at: number) => at - lineStart + 1;
  const fail = (at: number, reason: string): never => {
    throw new RulesError(file, line, col(at), reason);
  };
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\n') {
      tokens.push({ kind: 'newline', text: '\n', line, col: col(i) });
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === ',') {
      tokens.push({ kind: 'comma', text: c, line, col: col(i++) });
    } else if (c === '(') {
      tokens.push({ kind: 'lparen', text: c, line, col: col(i++) });
    } else if (c === ')') {
      tokens.push({ kind: 'rparen', text: c, line, col: col(i++) });
    } else if (c === '"') {
      const start = i++;
      let text = '';
      for (;;) {
        const d = source[i];
        if (d === undefined || d === '\n') fail(start, 'this string has no closing "');
        if (d === '"') break;
        if (d === '\\') {
          const e = source[i + 1];
          if (e !== '"' && e !== '\\') fail(i, `unknown escape "\\${e ?? ''}" in a string (only \\" and \\\\)`);
          text += e;
          i += 2;
        } else {
          text += d;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text, line, col: col(start) });
    } else if (c === '/') {
      const start = i++;
      let text = '';
      let inClass = false;
      for (;;) {
        const d = source[i];
        if (d === undefined || d === '\n') fail(start, 'this pattern has no closing /');
        if (d === '/' && !inClass) break;
        if (d === '\\') {
          text += d + (source[i + 1] ?? '');
          i += 2;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        text += d;
        i++;
      }
      i++;
      if (/[A-Za-z]/.test(source[i] ?? '')) fail(i, 'patterns take no flags: requests are lowercased before matching, so write patterns in lowercase');
      tokens.push({ kind: 'regex', text, line, col: col(start) });
    } else if (/[-+0-9.]/.test(c)) {
      const m = /^[-+]?(\d+(\.\d*)?|\.\d+)/.exec(source.slice(i));
      if (!m) fail(i, `unexpected "${c}"`);
      const text = (m as RegExpExecArray)[0];
      tokens.push({ kind: 'number', text, line, col: col(i) });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: m[0], line, col: col(i) });
      i += m[0].length;
    } else {
      fail(i, `unexpected "${c}"`);
    }
  }
  tokens.push({ kind: 'eof', text: '', line, col: col(i) });
  return tokens;
}
