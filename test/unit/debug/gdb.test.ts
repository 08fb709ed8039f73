import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gdb, GdbError, type AsyncRecord, type StreamRecord } from '../../../src/debug/gdb';

/**
 * A stand-in for gdb that speaks just enough MI: it answers each command with its token,
 * prints console text before some results, and sends async records on its own.
 */
const FAKE_GDB = `#!${process.execPath}
const out = (line) => process.stdout.write(line + '\\n');
let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop();
  for (const line of lines) {
    const [, token, command] = /^(\\d*)(.*)$/.exec(line);
    if (command === '-gdb-version') { out('~"GNU gdb (fake) 13.1\\\\n"'); out(token + '^done'); }
    else if (command.startsWith('-interpreter-exec console')) { out('~"line one\\\\n"'); out('~"line two\\\\n"'); out(token + '^done'); }
    else if (command === '-exec-continue') {
      out(token + '^running'); out('*running,thread-id="all"'); out('(gdb) ');
      setTimeout(() => { out('=thread-created,id="2",group-id="i1"'); out('*stopped,reason="signal-received",signal-name="SIGINT",thread-id="1"'); out('(gdb) '); }, 20);
      continue;
    }
    else if (command === '-gdb-exit') { out(token + '^exit'); process.exit(0); }
    else if (command === '-hang') { continue; }
    else { out('&"' + command + ' is not known\\\\n"'); out(token + '^error,msg="Undefined MI command: ' + command.slice(1) + '",code="undefined-command"'); }
    out('(gdb) ');
  }
});
`;

describe('gdb client over MI (a fake gdb)', () => {
  let dir: string;
  let fake: string;
  let gdb: Gdb | undefined;
  const events: AsyncRecord[] = [];
  const streams: StreamRecord[] = [];
  let exit: { code: number | null } | undefined;

  const start = () =>
    Gdb.start({
      path: fake,
      listeners: {
        onAsync: (record) => events.push(record),
        onStream: (record) => streams.push(record),
        onExit: (code) => (exit = { code }),
      },
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-fake-gdb-'));
    fake = join(dir, 'gdb');
    writeFileSync(fake, FAKE_GDB);
    chmodSync(fake, 0o755);
  });
  beforeEach(() => {
    events.length = 0;
    streams.length = 0;
    exit = undefined;
  });
  afterEach(() => gdb?.kill());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matches results to commands by token and hands them the console text printed before them', async () => {
    gdb = await start();
    const [first, second] = await Promise.all([gdb.send('-interpreter-exec console "info line"'), gdb.send('-gdb-version')]);
    assert.equal(first.resultClass, 'done');
    assert.equal(first.console, 'line one\nline two\n');
    assert.equal(second.console, 'GNU gdb (fake) 13.1\n');
  });

  it('rejects with gdb\'s message on ^error, and passes log text to listeners', async () => {
    gdb = await start();
    await assert.rejects(gdb.send('-no-such-command'), (error: unknown) => {
      assert.ok(error instanceof GdbError);
      assert.equal(error.message, 'Undefined MI command: no-such-command');
      assert.equal(error.code, 'undefined-command');
      assert.equal(error.command, '-no-such-command');
      return true;
    });
    assert.deepEqual(streams, [{ type: 'log', text: '-no-such-command is not known\n' }]);
  });

  it('reports async records as they come, after the command that set the target running', async () => {
    gdb = await start();
    const result = await gdb.send('-exec-continue');
    assert.equal(result.resultClass, 'running');
    while (events.length < 3) {
      await new Promise((done) => setTimeout(done, 10));
    }
    assert.deepEqual(events.map((e) => `${e.type}:${e.asyncClass}`), ['exec:running', 'notify:thread-created', 'exec:stopped']);
    assert.equal(events[2]?.results['signal-name'], 'SIGINT');
  });

  it('quits on -gdb-exit and fails commands still waiting when gdb goes away', async () => {
    gdb = await start();
    const waiting = gdb.send('-hang');
    await gdb.stop();
    assert.deepEqual(exit, { code: 0 });
    assert.equal(gdb.running, false);
    await assert.rejects(waiting, /gdb exited \(status 0\)/);
    await assert.rejects(gdb.send('-gdb-version'), /gdb is not running/);
  });

  it('fails to start with the reason when the binary does not exist', async () => {
    await assert.rejects(Gdb.start({ path: join(dir, 'no-such-gdb'), listeners: {} }), /ENOENT/);
  });
});
