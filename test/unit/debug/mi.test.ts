import { strict as assert } from 'node:assert';
import { miList, miNumber, miQuote, miString, miTuple, miTuples, MiSyntaxError, parseMiLine, parseMiRecord } from '../../../src/debug/mi';

/** What gdb writes: one latin1 character per byte (the client reads its output that way). */
const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe('GDB/MI output parser', () => {
  it('reads result records with and without a token', () => {
    assert.deepEqual(parseMiLine('^done'), { type: 'result', token: undefined, resultClass: 'done', results: {} });
    assert.deepEqual(parseMiLine('42^running'), { type: 'result', token: 42, resultClass: 'running', results: {} });
    assert.deepEqual(parseMiLine('7^connected'), { type: 'result', token: 7, resultClass: 'connected', results: {} });
    assert.deepEqual(parseMiLine('3^exit'), { type: 'result', token: 3, resultClass: 'exit', results: {} });
    assert.deepEqual(parseMiLine('12^error,msg="No symbol \\"x\\" in current context.",code="undefined-command"'), {
      type: 'result',
      token: 12,
      resultClass: 'error',
      results: { msg: 'No symbol "x" in current context.', code: 'undefined-command' },
    });
  });

  it('reads exec, status and notify async records', () => {
    const stopped = parseMiLine(
      '*stopped,reason="breakpoint-hit",disp="keep",bkptno="1",frame={addr="0xffffffff80101711",func="kmain",args=[{name="bi",value="0xffffffff8013b6a8 <bi>"}],file="core/main.c",fullname="/k/core/main.c",line="43",arch="i386:x86-64"},thread-id="1",stopped-threads="all"',
    );
    assert.equal(stopped.type, 'exec');
    assert.ok(stopped.type === 'exec');
    assert.equal(stopped.asyncClass, 'stopped');
    assert.equal(stopped.results.reason, 'breakpoint-hit');
    const frame = miTuple(stopped.results.frame);
    assert.equal(frame?.func, 'kmain');
    assert.equal(miNumber(frame?.line), 43);
    assert.deepEqual(miTuples(frame?.args), [{ name: 'bi', value: '0xffffffff8013b6a8 <bi>' }]);

    assert.deepEqual(parseMiLine('*running,thread-id="all"'), {
      type: 'exec', token: undefined, asyncClass: 'running', results: { 'thread-id': 'all' },
    });
    assert.deepEqual(parseMiLine('=thread-created,id="2",group-id="i1"'), {
      type: 'notify', token: undefined, asyncClass: 'thread-created', results: { id: '2', 'group-id': 'i1' },
    });
    assert.deepEqual(parseMiLine('+download,section=".text",section-size="1024"'), {
      type: 'status', token: undefined, asyncClass: 'download', results: { section: '.text', 'section-size': '1024' },
    });
    assert.deepEqual(parseMiLine('5*stopped'), { type: 'exec', token: 5, asyncClass: 'stopped', results: {} });
  });

  it('reads console, target and log stream records', () => {
    assert.deepEqual(parseMiLine('~"Breakpoint 1, kmain (bi=0x0) at core/main.c:43\\n"'), {
      type: 'console', text: 'Breakpoint 1, kmain (bi=0x0) at core/main.c:43\n',
    });
    assert.deepEqual(parseMiLine('@"serial\\r\\n"'), { type: 'target', text: 'serial\r\n' });
    assert.deepEqual(parseMiLine('&"Cannot execute this command while the target is running.\\n"'), {
      type: 'log', text: 'Cannot execute this command while the target is running.\n',
    });
  });

  it('decodes every C escape, octal and hex bytes included, as UTF-8', () => {
    assert.equal(miString(parseMiTextRecord('"a\\tb\\\\c\\"d\\ne\\rf\\a\\b\\f\\v\\e\\\'\\?"')), 'a\tb\\c"d\ne\rf\x07\b\f\v\x1b\'?');
    assert.equal(miString(parseMiTextRecord('"\\033[0m \\0 \\177"')), '\x1b[0m \0 \x7f');
    assert.equal(miString(parseMiTextRecord('"\\x41\\x4a"')), 'AJ');
    // "é" as gdb escapes it (two octal bytes) and as raw UTF-8 bytes.
    assert.equal(miString(parseMiTextRecord('"caf\\303\\251"')), 'café');
    assert.equal(miString(parseMiTextRecord(bytes('"π ≈ 3.14"'))), 'π ≈ 3.14');
  });

  it('reads nested tuples and lists, empty ones, and lists of results', () => {
    const record = parseMiRecord(
      '^done,stack=[frame={level="0",func="kmain"},frame={level="1",func="arch_boot"}],empty={},none=[],names=["rax","",""],nested={a={b=["x",{c="d"}]}}',
    );
    assert.ok(record.type === 'result');
    assert.deepEqual(miTuples(record.results.stack).map((f) => f.func), ['kmain', 'arch_boot']);
    assert.deepEqual(record.results.empty, {});
    assert.deepEqual(record.results.none, []);
    assert.deepEqual(miList(record.results.names), ['rax', '', '']);
    assert.deepEqual(record.results.nested, { a: { b: ['x', { c: 'd' }] } });
  });

  it('keeps every value of a name given twice in one tuple', () => {
    const record = parseMiRecord('^done,bkpt={number="1",addr="<MULTIPLE>"},bkpt={number="1.1"},bkpt={number="1.2"}');
    assert.ok(record.type === 'result');
    assert.deepEqual(miTuples(record.results.bkpt).map((b) => b.number), ['1', '1.1', '1.2']);
  });

  it('reads a breakpoint with several locations (mi3)', () => {
    const record = parseMiRecord(
      '^done,bkpt={number="2",type="breakpoint",addr="<MULTIPLE>",times="0",locations=[{number="2.1",enabled="y",addr="0x10",func="f",file="a.c",line="3"},{number="2.2",enabled="y",addr="0x20",func="f",file="a.c",line="3"}]}',
    );
    assert.ok(record.type === 'result');
    const locations = miTuples(miTuple(record.results.bkpt)?.locations);
    assert.deepEqual(locations.map((l) => l.addr), ['0x10', '0x20']);
  });

  it('recognises the prompt, with or without the trailing space and a CR', () => {
    assert.deepEqual(parseMiLine('(gdb) '), { type: 'prompt' });
    assert.deepEqual(parseMiLine('(gdb)'), { type: 'prompt' });
    assert.deepEqual(parseMiLine('(gdb) \r'), { type: 'prompt' });
    assert.deepEqual(parseMiLine('^done\r'), { type: 'result', token: undefined, resultClass: 'done', results: {} });
  });

  it('keeps lines that are not MI as text, and says where strict parsing breaks', () => {
    assert.deepEqual(parseMiLine('Remote debugging using 127.0.0.1:1234'), { type: 'text', text: 'Remote debugging using 127.0.0.1:1234' });
    assert.deepEqual(parseMiLine('^bogus'), { type: 'text', text: '^bogus' });
    assert.deepEqual(parseMiLine('~"unterminated'), { type: 'text', text: '~"unterminated' });
    assert.deepEqual(parseMiLine('^done,a="1"junk'), { type: 'text', text: '^done,a="1"junk' });
    assert.throws(() => parseMiRecord('^done,a={b="1"'), (error: unknown) => {
      assert.ok(error instanceof MiSyntaxError);
      assert.equal(error.offset, 14);
      assert.match(error.message, /expected "," at column 15/);
      return true;
    });
    assert.throws(() => parseMiRecord('^done,a=1'), /expected a value/);
  });

  it('quotes command parameters so gdb reads them back exactly', () => {
    assert.equal(miQuote('/home/me/my kernel/main.c:41'), '"/home/me/my kernel/main.c:41"');
    assert.equal(miQuote('say "hi"\\n'), '"say \\"hi\\"\\\\n"');
    assert.equal(miQuote('a\nb\tc'), '"a\\nb\\011c"');
    assert.equal(miQuote('é'), '"\\303\\251"');
    for (const text of ['plain', 'with "quotes" and \\ slashes', 'tab\tnew\nline', 'ünïcödé ≈']) {
      assert.equal(miString(parseMiTextRecord(miQuote(text))), text, text);
    }
  });

  it('reads numbers only from whole decimal strings', () => {
    assert.equal(miNumber('42'), 42);
    assert.equal(miNumber('-1'), -1);
    assert.equal(miNumber('0x10'), undefined);
    assert.equal(miNumber(undefined), undefined);
    assert.equal(miNumber({}), undefined);
  });
});

/** The value of `x` in `^done,x=<value>`: a way to test string syntax on its own. */
function parseMiTextRecord(value: string): string | undefined {
  const record = parseMiRecord(`^done,x=${value}`);
  return record.type === 'result' ? miString(record.results.x) : undefined;
}
