/**
 * Acceptance tests for the SLM inside the kernel (kernel_spec/slm.md).
 *
 * - The kernel's C rule engine, built with the host clang from the very
 *   sources the kernel links, gives the TypeScript interpreter's intent,
 *   confidence and scores (what `auton slm classify --backend rules` prints)
 *   on every line of slm/data/test.jsonl and paraphrase.jsonl.
 * - On each arch, booted without a model, with a NIC and a virtio disk, the
 *   `auton> ` console over serial answers what network card and which disk
 *   driver QEMU really gave it (checked against the [HW] report of the same
 *   boot), free memory from the allocator, and classifies 100 paraphrased
 *   requests (a different slice per arch) as the host engine does, >= 90%
 *   right against the labels. Real clang, real QEMU.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type Arch, artifactsFor, bootKernel, type BootResult, buildKernel, type KernelConsole, type NicModel,
} from '../../src/kernel';
import { classify } from '../../slm/src/rules/interpreter';
import { loadRules } from '../../slm/src/rules/load';
import { INTENTS } from '../../slm/src/types';

const root = resolve(__dirname, '../..');

interface Example {
  request: string;
  intent: string;
}

function examples(file: string): Example[] {
  return readFileSync(join(root, 'slm/data', file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Example);
}

/** The kernel's rule engine as a host program: "<INTENT> <confidence milli> <scores...>" per line. */
function buildHostRules(dir: string): string {
  const exe = join(dir, 'rules_classify');
  const k = join(root, 'kernels');
  execFileSync('clang', [
    '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-I', k, '-o', exe,
    join(k, 'tests/host/rules_classify.c'), join(k, 'slm/rules.c'), join(k, 'slm/rules_table.c'),
  ]);
  return exe;
}

function runHostRules(exe: string, requests: string[]): string[] {
  return execFileSync(exe, { input: `${requests.join('\n')}\n`, maxBuffer: 1 << 26 }).toString().trim().split('\n');
}

describe('kernel SLM', function () {
  this.timeout(600_000);
  let dir: string;
  let hostRules: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-'));
    hostRules = buildHostRules(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of ['test.jsonl', 'paraphrase.jsonl']) {
    it(`the C rule engine matches the TypeScript interpreter on every line of ${file}`, () => {
      const rules = loadRules(join(root, 'slm/rules'), root);
      const requests = examples(file).map((e) => e.request);
      const got = runHostRules(hostRules, requests);
      assert.equal(got.length, requests.length);
      const wrong: string[] = [];
      requests.forEach((request, i) => {
        const c = classify(rules, request);
        const scores = INTENTS.map((intent) => Math.round(c.scores[intent] * 1000));
        const want = [c.intent, Math.round(c.confidence * 1000), ...scores].join(' ');
        if (got[i] !== want) wrong.push(`${request}\n    interpreter: ${want}\n    kernel C:    ${got[i]}`);
      });
      assert.deepEqual(wrong, [], `${wrong.length} of ${requests.length} lines differ:\n${wrong.slice(0, 5).join('\n')}`);
    });
  }

  const NICS: Record<Arch, NicModel> = { x86_64: 'e1000', aarch64: 'virtio', riscv64: 'e1000' };
  const ARCHES: Arch[] = ['x86_64', 'aarch64', 'riscv64'];

  for (const [slice, arch] of ARCHES.entries()) {
    describe(arch, () => {
      let boot: BootResult;
      let consoleError = '';
      const answers = new Map<string, string[]>();
      const intents: { example: Example; line: string }[] = [];
      const questions = ['what network card do you have?', 'which driver runs the disk?', 'how much memory is free?', 'help',
        'generate hello'];
      const sample = examples('paraphrase.jsonl').slice(slice * 100, slice * 100 + 100);

      before(async () => {
        const build = await buildKernel({ root, arch });
        assert.ok(build.ok, build.message);
        const disk = join(dir, `disk-${arch}.img`);
        writeFileSync(disk, Buffer.alloc(2 << 20));
        boot = await bootKernel({
          arch, kernel: artifactsFor(root, arch).bin, nics: [NICS[arch]], disks: [disk],
          timeoutMs: 300_000, bannerTimeoutMs: 30_000,
          onConsole: (c: KernelConsole) => void (async () => {
            try {
              for (const q of questions) answers.set(q, await c.command(q));
              for (const example of sample) {
                const lines = await c.command(`intent ${example.request}`);
                intents.push({ example, line: lines.join(' ') });
              }
              c.write('poweroff\r');
            } catch (error) {
              consoleError = String(error);
              c.stop();
            }
          })(),
        });
      });

      it('boots on the rule engine without a model and says why', () => {
        assert.match(boot.serial, /\[SLM\] backend rules \(no model/);
        assert.equal(boot.outcome, 'powered-off', `${boot.message} ${consoleError}`);
      });

      it('runs the SLM-driven lifecycle in order and chooses each driver through DRIVER_SELECT', () => {
        const order = ['[SLM] backend', '[SLM] lifecycle: hardware discovery', '[SLM] HARDWARE_IDENTIFY',
          '[SLM] lifecycle: driver configuration', '[SLM] DRIVER_SELECT', '[HW] done',
          '[SLM] lifecycle: installation', '[SLM] lifecycle: resident thread', '[BOOT] ready', 'auton> '];
        let at = 0;
        for (const marker of order) {
          const next = boot.serial.indexOf(marker, at);
          assert.ok(next >= 0, `"${marker}" missing or out of order`);
          at = next;
        }
        assert.match(boot.serial, /\[SLM\] lifecycle: resident thread \d+ at priority SLM serving slm\.cmd/);
        // Every bound PCI device's driver was the one DRIVER_SELECT named.
        for (const m of boot.serial.matchAll(/\[HW\] pci \S+ ([0-9a-f]{4}:[0-9a-f]{4}) class \S+ driver (\S+)/g)) {
          if (m[2] === 'none') continue;
          assert.match(boot.serial, new RegExp(`\\[SLM\\] DRIVER_SELECT ${m[1]} -> ${m[2]} \\(rules `));
        }
      });

      it('says which network card QEMU gave it', () => {
        const answer = (answers.get('what network card do you have?') ?? []).join('\n');
        const net = /\[HW\] net (\S+) mac (\S+) driver (\S+)/.exec(boot.serial);
        assert.ok(net, 'no NIC in the [HW] report');
        const [, name, mac, driver] = net;
        assert.equal(driver, NICS[arch] === 'virtio' ? 'virtio-net' : NICS[arch]);
        assert.ok(answer.includes(`${name}:`) && answer.includes(`driver ${driver}`) && answer.includes(`mac ${mac}`), answer);
      });

      it('says which driver runs the disk', () => {
        const answer = answers.get('which driver runs the disk?') ?? [];
        assert.match(answer[0] ?? '', /^\[SLM\] DRIVER_SELECT /);
        assert.ok(answer.some((l) => /^vda: 2 MiB \(4096 sectors\), driver virtio-blk/.test(l)), answer.join('\n'));
      });

      it('says how much memory is free, below what the machine has', () => {
        const answer = (answers.get('how much memory is free?') ?? []).join('\n');
        const m = /memory: (\d+) MiB free of (\d+) MiB/.exec(answer);
        assert.ok(m, answer);
        const hw = Number(/\[HW\] memory (\d+) MiB/.exec(boot.serial)?.[1]);
        assert.ok(Number(m[1]) > 0 && Number(m[1]) < Number(m[2]) && Number(m[2]) <= hw + 1, `${answer} ([HW] memory ${hw})`);
      });

      it('answers help, and generate says it needs the neural backend', () => {
        assert.ok((answers.get('help') ?? []).some((l) => l.includes('generate [-n N] <prompt>')));
        assert.deepEqual(answers.get('generate hello'), ['generate needs the neural backend: boot with a model (-initrd)']);
      });

      it('classifies 100 paraphrased requests as the host engine does, at least 90% right', () => {
        assert.equal(intents.length, sample.length, `${boot.message} ${consoleError}`);
        const host = runHostRules(hostRules, sample.map((e) => e.request));
        let right = 0;
        intents.forEach(({ example, line }, i) => {
          const m = /^\[SLM\] intent (\S+) (\d)\.(\d\d)$/.exec(line);
          assert.ok(m, `"${line}"`);
          const [hostIntent, hostMilli] = (host[i] ?? '').split(' ');
          assert.equal(m[1], hostIntent, example.request);
          assert.equal(Number(`${m[2]}${m[3]}`), Math.round(Number(hostMilli) / 10), example.request);
          if (m[1] === example.intent) right++;
        });
        console.log(`      ${arch}: ${right}/${sample.length} paraphrased requests classified right in QEMU`);
        assert.ok(right >= 90, `${right}/${sample.length}`);
      });
    });
  }
});
