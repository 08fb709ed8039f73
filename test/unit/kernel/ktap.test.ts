import assert from 'node:assert/strict';
import { parseKtap, summarizeKtap } from '../../../src/kernel/ktap';

describe('KTAP parser', () => {
  it('reads results, diagnostics and the plan among boot noise', () => {
    const serial = [
      'OpenSBI v1.1', 'AUTON 0.1.0 riscv64', '[BOOT] ready',
      'KTAP version 1', '1..3',
      'ok 1 printk_integers',
      '# printk_hex: tests/test_printk.c:10: expected x',
      'not ok 2 printk_hex',
      'ok 3 fdt_firmware_tree # SKIP no device tree',
      '# ktest: 1 passed, 1 failed',
    ].join('\r\n');
    const r = parseKtap(serial);
    assert.equal(r.started, true);
    assert.equal(r.version, 1);
    assert.equal(r.planned, 3);
    assert.deepEqual(r.tests.map((t) => [t.number, t.name, t.ok, t.skipped]), [
      [1, 'printk_integers', true, false],
      [2, 'printk_hex', false, false],
      [3, 'fdt_firmware_tree', true, true],
    ]);
    assert.deepEqual(r.tests[1]!.diagnostics, ['printk_hex: tests/test_printk.c:10: expected x']);
    assert.equal(r.passed, 1);
    assert.equal(r.failed, 1);
    assert.equal(r.skipped, 1);
    assert.equal(r.missing, 0);
    assert.deepEqual(r.trailing, ['ktest: 1 passed, 1 failed']);
    assert.equal(summarizeKtap(r), '1 passed, 1 failed, 1 skipped');
  });

  it('counts planned tests that never reported (kernel died mid-run)', () => {
    const r = parseKtap('KTAP version 1\n1..5\nok 1 a\nok 2 b\n[PANIC] boom\n');
    assert.equal(r.missing, 3);
    assert.match(summarizeKtap(r), /3 never reported/);
  });

  it('ignores result-like lines before the header and flags renumbering', () => {
    const r = parseKtap('ok 1 not-a-test\nKTAP version 1\n1..2\nok 1 a\nok 3 c\n');
    assert.equal(r.tests.length, 2);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /test 3 reported where 2 was expected/);
  });

  it('says when there is no KTAP at all', () => {
    const r = parseKtap('AUTON 0.1.0 x86_64\n[BOOT] ready\n');
    assert.equal(r.started, false);
    assert.equal(summarizeKtap(r), 'no KTAP output');
  });

  it('flags a second header (the guest rebooted)', () => {
    const r = parseKtap('KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n');
    assert.ok(r.errors.some((e) => /second KTAP header/.test(e)));
  });
});
