/**
 * Parses KTAP (the kernel's test output on serial) into results. Lines that
 * are not KTAP (boot messages, firmware banners) are ignored, so the whole
 * serial log can be handed over as it is.
 */

export interface KtapTest {
  number: number;
  name: string;
  ok: boolean;
  skipped: boolean;
  /** `# ` lines printed while the test ran (before its result line). */
  diagnostics: string[];
}

export interface KtapResult {
  /** True when a `KTAP version` header was seen. */
  started: boolean;
  version?: number;
  /** N from the `1..N` plan line. */
  planned?: number;
  tests: KtapTest[];
  passed: number;
  failed: number;
  skipped: number;
  /** Planned tests that never reported (the kernel stopped early). */
  missing: number;
  /** Diagnostics after the last result (e.g. the summary line). */
  trailing: string[];
  /** Problems with the stream itself: duplicate or out-of-order numbers. */
  errors: string[];
}

const RESULT = /^(not ok|ok) (\d+)(?: -)? ?([^#]*?)\s*(?:#\s*(.*))?$/;

export function parseKtap(serial: string): KtapResult {
  const result: KtapResult = {
    started: false, tests: [], passed: 0, failed: 0, skipped: 0, missing: 0, trailing: [], errors: [],
  };
  let pending: string[] = [];
  for (const raw of serial.split(/\r?\n/)) {
    // Nested subtests are indented; this kernel prints flat suites, so only
    // top-level lines count.
    const line = raw.replace(/\s+$/, '');
    const version = /^(?:K?TAP) version (\d+)$/.exec(line);
    if (version) {
      if (result.started) result.errors.push('second KTAP header: the kernel may have rebooted');
      result.started = true;
      result.version = Number(version[1]);
      continue;
    }
    if (!result.started) continue;
    const plan = /^1\.\.(\d+)$/.exec(line);
    if (plan && result.planned === undefined) {
      result.planned = Number(plan[1]);
      continue;
    }
    if (line.startsWith('#')) {
      pending.push(line.replace(/^#\s?/, ''));
      continue;
    }
    const m = RESULT.exec(line);
    if (!m) continue;
    const [, status, num, name, directive] = m;
    const number = Number(num);
    const skipped = /^skip\b/i.test(directive ?? '');
    const test: KtapTest = { number, name: (name ?? '').trim(), ok: status === 'ok', skipped, diagnostics: pending };
    pending = [];
    const expected = result.tests.length + 1;
    if (number !== expected) result.errors.push(`test ${number} reported where ${expected} was expected`);
    result.tests.push(test);
    if (skipped) result.skipped++;
    else if (test.ok) result.passed++;
    else result.failed++;
  }
  result.trailing = pending;
  if (result.planned !== undefined && result.tests.length < result.planned) {
    result.missing = result.planned - result.tests.length;
  }
  return result;
}

/** One line for people: "22 passed, 0 failed" plus anything missing. */
export function summarizeKtap(r: KtapResult): string {
  if (!r.started) return 'no KTAP output';
  let s = `${r.passed} passed, ${r.failed} failed`;
  if (r.skipped) s += `, ${r.skipped} skipped`;
  if (r.missing) s += `, ${r.missing} never reported`;
  return s;
}
