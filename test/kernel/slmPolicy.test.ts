/**
 * The console with the shipped model loaded (kernel_spec/slm.md, "Deciding the intent"): the
 * model decides a request's intent when its confidence reaches SLM_NEURAL_MIN_MILLI, the rule
 * engine otherwise (the model again when no rule matched), and every answer says who decided.
 *
 * - Host: `slm-host policy` (the kernel's C sources: neural backend, rule engine, policy.c) on
 *   every line of slm/data/paraphrase.jsonl decides as the documented policy says, and is right
 *   on at least 90% of them.
 * - QEMU, every arch, booted with `-initrd slm/models/auton-slm.gguf`, a NIC and a disk: the
 *   console says which network card and which disk driver QEMU really gave it (against the [HW]
 *   report of the same boot) and how much memory is free, and `intent` on 12 paraphrased
 *   requests (a different slice per arch, half decided by the model, half by the rules) prints
 *   exactly the host build's intent, confidence and decider; the KTAP slm_* tests pass booted
 *   with the model (without it they run in every `auton kernel test`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ARCHES, artifactsFor, bootKernel, type BootResult, buildKernel, type KernelConsole, type NicModel, type Arch, testKernel,
} from '../../src/kernel';
import { asConsoleLine, buildSlmHost, compiledThreshold, decideAt, deciderAt, type PolicyRow, readSplit, runPolicy } from '../../src/kernel/slmPolicy';

const root = resolve(__dirname, '../..');
const MODEL = join(root, 'slm', 'models', 'auton-slm.gguf');
const PER_ARCH = 12;
const NICS: Record<Arch, NicModel> = { x86_64: 'e1000', aarch64: 'virtio', riscv64: 'e1000' };

/** `0.xx` as the console prints a confidence in thousandths (SLM_CONF_FMT). */
const printed = (milli: number): string => `${Math.floor((milli + 5) / 1000)}.${String(Math.floor((milli + 5) / 10) % 100).padStart(2, '0')}`;

describe('kernel SLM with the model: who decides the intent (host and QEMU)', function () {
  this.timeout(600_000);
  const paraphrase = readSplit(root, 'paraphrase');
  let rows: PolicyRow[];
  let threshold: number;
  let dir: string;

  before(() => {
    threshold = compiledThreshold(root);
    rows = runPolicy(buildSlmHost(root), MODEL, paraphrase.map((e) => e.request));
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-policy-'));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('host: the model decides at confidence >= SLM_NEURAL_MIN_MILLI, below it the rules when one matched', () => {
    for (const row of rows) {
      const by = deciderAt(row, threshold);
      assert.equal(row.by, by, row.request);
      assert.equal(row.intent, decideAt(row, threshold), row.request);
      assert.equal(row.milli, by === 'rules fallback' ? row.rules.milli : row.neural.milli, row.request);
    }
    assert.ok(rows.some((r) => r.by === 'neural') && rows.some((r) => r.by === 'rules fallback'), 'both deciders occur');
  });

  it('host: right on at least 90% of all 600 paraphrased requests', () => {
    const right = rows.filter((r, i) => r.intent === paraphrase[i]!.intent).length;
    const model = rows.filter((r, i) => r.neural.intent === paraphrase[i]!.intent).length;
    const rules = rows.filter((r, i) => r.rules.intent === paraphrase[i]!.intent).length;
    const neural = rows.filter((r) => r.by !== 'rules fallback').length;
    console.log(`      paraphrase, host build: policy ${right}/${rows.length} (${(100 * right / rows.length).toFixed(1)}%, the model decided ${neural}), model alone ${model}, rules alone ${rules}`);
    assert.ok(right >= Math.ceil(0.9 * rows.length), `${right}/${rows.length}`);
  });

  for (const [slice, arch] of ARCHES.entries()) {
    describe(arch, () => {
      let boot: BootResult;
      let consoleError = '';
      const answers = new Map<string, string[]>();
      const questions = ['what network card do you have?', 'which driver runs the disk?', 'how much memory is free?'];
      let sample: { row: PolicyRow; index: number }[] = [];
      const lines: string[] = [];

      before(async () => {
        // Half the sample decided by the model, half by the rules, a different slice per arch.
        const pick = (by: PolicyRow['by']) => rows.map((row, index) => ({ row, index })).filter((x) => x.row.by === by)
          .filter((_, k) => k % ARCHES.length === slice).slice(0, PER_ARCH / 2);
        sample = [...pick('neural'), ...pick('rules fallback')];
        const build = await buildKernel({ root, arch });
        assert.ok(build.ok, build.message);
        const disk = join(dir, `disk-${arch}.img`);
        writeFileSync(disk, Buffer.alloc(2 << 20));
        boot = await bootKernel({
          arch, kernel: artifactsFor(root, arch).bin, initrd: MODEL, nics: [NICS[arch]], disks: [disk],
          timeoutMs: 400_000, bannerTimeoutMs: 30_000,
          onConsole: (c: KernelConsole) => void (async () => {
            try {
              for (const q of questions) answers.set(q, await c.command(q, 120_000));
              for (const { index } of sample) lines.push((await c.command(`intent ${asConsoleLine(paraphrase[index]!.request)}`, 120_000)).join(' '));
              c.write('poweroff\r');
            } catch (error) {
              consoleError = String(error);
              c.stop();
            }
          })(),
        });
      });

      it('boots on the neural backend', () => {
        assert.match(boot.serial, /\[SLM\] backend neural /);
        assert.equal(boot.outcome, 'powered-off', `${boot.message} ${consoleError}`);
      });

      it('says which network card QEMU gave it, and who decided', () => {
        const answer = answers.get('what network card do you have?') ?? [];
        assert.match(answer[0] ?? '', /^\[SLM\] [A-Z_]+ \d\.\d\d \((neural|rules fallback|neural, no rule matched)\)$/);
        const net = /\[HW\] net (\S+) mac (\S+) driver (\S+)/.exec(boot.serial);
        assert.ok(net, 'no NIC in the [HW] report');
        const [, name, mac, driver] = net;
        assert.equal(driver, NICS[arch] === 'virtio' ? 'virtio-net' : NICS[arch]);
        const text = answer.join('\n');
        assert.ok(text.includes(`${name}:`) && text.includes(`driver ${driver}`) && text.includes(`mac ${mac}`), text);
      });

      it('says which driver runs the disk and how much memory is free', () => {
        const disk = answers.get('which driver runs the disk?') ?? [];
        assert.ok(disk.some((l) => /^vda: 2 MiB \(4096 sectors\), driver virtio-blk/.test(l)), disk.join('\n'));
        const memory = (answers.get('how much memory is free?') ?? []).join('\n');
        const m = /memory: (\d+) MiB free of (\d+) MiB/.exec(memory);
        assert.ok(m && Number(m[1]) > 0 && Number(m[1]) < Number(m[2]), memory);
      });

      it('the in-kernel SLM tests (KTAP slm_*) pass with the model as the boot module', async () => {
        const r = await testKernel({ root, arch, filter: 'slm_', initrd: MODEL, noBuild: true, nics: [NICS[arch]] });
        assert.ok(r.ok, `${r.message}\n${r.boot?.serial.slice(-3000) ?? ''}`);
        assert.match(r.boot?.serial ?? '', /\[SLM\] backend neural /);
        assert.ok(r.ktap!.tests.some((t) => t.name === 'slm_answer_names_the_real_network_cards'));
      });

      it(`classifies ${PER_ARCH} paraphrased requests exactly as the host build does (intent, confidence, decider)`, () => {
        assert.equal(lines.length, sample.length, `${boot.message} ${consoleError}`);
        sample.forEach(({ row }, i) => {
          assert.equal(lines[i], `[SLM] intent ${row.intent} ${printed(row.milli)} (${row.by})`, row.request);
        });
        const right = sample.filter(({ row, index }) => row.intent === paraphrase[index]!.intent).length;
        console.log(`      ${arch}: ${right}/${sample.length} right in QEMU, all ${sample.length} equal to the host build`);
      });
    });
  }
});
