import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { augmentTemplate, NO_AUGMENT } from '../../../slm/src/data/augment';
import { buildCorpus, type CorpusBuild } from '../../../slm/src/data/build';
import { generateCorpus } from '../../../slm/src/data/corpus';
import { buildCatalogue, shortDevice, shortVendor } from '../../../slm/src/data/devices';
import { moduleName, readModinfo } from '../../../slm/src/data/elfModinfo';
import { slotsOf } from '../../../slm/src/data/frames';
import { readJsonl, toJsonl } from '../../../slm/src/data/jsonl';
import { extractModuleTables } from '../../../slm/src/data/kernelPackage';
import { checkLeakage } from '../../../slm/src/data/leakage';
import { driversByClass, driversByDevice, parseModulesAlias } from '../../../slm/src/data/modulesAlias';
import { parsePciIds } from '../../../slm/src/data/pciIds';
import { buildPools } from '../../../slm/src/data/pools';
import { Rng } from '../../../slm/src/data/random';
import { readTar } from '../../../slm/src/data/tar';
import { ALL_FRAMES, mergeTemplates } from '../../../slm/src/data/templates';
import { CONTRAST } from '../../../slm/src/data/templates/contrast';
import { NATURAL } from '../../../slm/src/data/templates/natural';
import { VARIETY } from '../../../slm/src/data/templates/variety';
import { type Example, INTENTS } from '../../../slm/src/types';
import { fixtureKernelModule, fixtureModulesAlias, fixtureModulesOrder, fixturePciIds } from './dataFixtures';

const root = resolve(__dirname, '../../..');
const inputs = { pciIds: fixturePciIds(), modulesAlias: fixtureModulesAlias(), modulesOrder: fixtureModulesOrder() };
const examplesOf = (list: CorpusBuild['corpus']['paraphrase']): Example[] => list.map((g) => g.example);
const has = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

describe('slm data: sources', () => {
  it('reads pci.ids vendors, devices, classes and prog-ifs, skipping subsystems', () => {
    const pci = parsePciIds(fixturePciIds());
    assert.equal(pci.version, '2099.01.01');
    assert.equal(pci.vendors.size, 5);
    assert.equal(pci.vendors.get('8086')?.devices.get('100e'), '82540EM Gigabit Ethernet Controller');
    assert.equal(pci.vendors.get('8086')?.devices.size, 30);
    assert.equal(pci.classes.get('0c')?.subclasses.get('03'), 'USB controller');
    assert.equal(pci.classes.get('0c')?.progIfs.get('0330'), 'XHCI');
    assert.throws(() => parsePciIds('8086  Intel\n\t!!\n'), /pci.ids line 2/);
  });

  it('reads modules.alias: exact device drivers, vendor-wide and class drivers; other buses skipped', () => {
    const aliases = parseModulesAlias(fixtureModulesAlias());
    assert.ok(aliases.every((a) => a.module !== 'not_pci' && a.module !== 'serial_pnp'));
    const byDevice = driversByDevice(aliases);
    assert.deepEqual(byDevice.get('8086:100e'), ['e1000']);
    const byClass = driversByClass(aliases);
    assert.deepEqual(byClass.find((c) => c.code === '010802'), { vendor: null, code: '010802', modules: ['nvme'] });
    assert.deepEqual(byClass.find((c) => c.vendor === '1002' && c.code === '030000')?.modules, ['amdgpu']);
    assert.deepEqual(parseModulesAlias('alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n').map((a) => [a.vendor, a.device, a.baseClass]), [['1af4', null, null]]);
  });

  it('joins devices with drivers and a category from the driver\'s place in the kernel tree', () => {
    const pci = parsePciIds(fixturePciIds());
    const catalogue = buildCatalogue(pci, parseModulesAlias(fixtureModulesAlias()), fixtureModulesOrder());
    const e1000 = catalogue.devices.find((d) => d.id === '8086:100e');
    assert.deepEqual(e1000, {
      id: '8086:100e', vendor: 'Intel Corporation', vendorShort: 'Intel', device: '82540EM Gigabit Ethernet Controller',
      deviceShort: '82540EM Gigabit Ethernet Controller', drivers: ['e1000'], category: 'network card',
    });
    assert.equal(catalogue.devices.find((d) => d.vendor.startsWith('Broadcom') && d.drivers.length > 0)?.category, 'wireless card');
    assert.equal(catalogue.devices.find((d) => d.vendor.startsWith('Creative') && d.drivers.length > 0)?.category, 'sound card');
    assert.equal(catalogue.devices.find((d) => d.drivers.length === 0)?.category, 'device');
    assert.deepEqual(catalogue.classDrivers.find((c) => c.code === '0c0330'),
      { vendor: null, code: '0c0330', modules: ['xhci_pci'], className: 'Serial bus controller', subclassName: 'USB controller', progIfName: 'XHCI', vendorShort: null });
    assert.equal(shortVendor('Advanced Micro Devices, Inc. [AMD/ATI]'), 'AMD/ATI');
    assert.equal(shortVendor('Realtek Semiconductor Co., Ltd.'), 'Realtek');
    assert.equal(shortDevice('GK104 [GeForce GTX 680]'), 'GeForce GTX 680');
  });

  it('reads the aliases of a kernel module from its ELF .modinfo section, named as depmod does', () => {
    const elf = fixtureKernelModule(['license=GPL', 'alias=pci:v00008086d0000100Esv*sd*bc*sc*i*', 'depends=']);
    assert.deepEqual(readModinfo(elf), ['license=GPL', 'alias=pci:v00008086d0000100Esv*sd*bc*sc*i*', 'depends=']);
    assert.throws(() => readModinfo(Buffer.from('not an elf file at all, clearly not one at all, no sir, not even close')), /not an ELF/);
    assert.equal(moduleName('kernel/sound/pci/emu10k1/snd-emu10k1.ko'), 'snd_emu10k1');
  });

  it('streams a tar archive (GNU long names too), keeping only the wanted files', async function () {
    if (!has('tar')) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'auton-tar-'));
    try {
      const long = `lib/modules/6.1.0-test/kernel/${'deep/'.repeat(30)}long-name.ko`;
      mkdirSync(join(dir, 'src', long, '..'), { recursive: true });
      writeFileSync(join(dir, 'src', long), 'long');
      writeFileSync(join(dir, 'src', 'lib/modules/6.1.0-test/modules.order'), 'kernel/x.ko\n');
      writeFileSync(join(dir, 'src', 'skip.txt'), 'skip');
      assert.equal(spawnSync('tar', ['-cf', join(dir, 'a.tar'), '-C', join(dir, 'src'), '.']).status, 0);
      const seen: Record<string, string> = {};
      await readTar(createReadStream(join(dir, 'a.tar'), { highWaterMark: 700 }), (p) => p.startsWith('lib/'), (e) => (seen[e.path] = e.data.toString()));
      assert.deepEqual(seen, { [long]: 'long', 'lib/modules/6.1.0-test/modules.order': 'kernel/x.ko\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('extracts modules.alias from a kernel .deb exactly in depmod\'s format and order', async function () {
    if (!has('dpkg-deb')) this.skip();
    this.timeout(20000);
    const dir = mkdtempSync(join(tmpdir(), 'auton-deb-'));
    try {
      const tree = join(dir, 'pkg', 'lib', 'modules', '6.1.0-test');
      mkdirSync(join(tree, 'kernel', 'drivers', 'net'), { recursive: true });
      mkdirSync(join(dir, 'pkg', 'DEBIAN'));
      writeFileSync(join(dir, 'pkg', 'DEBIAN', 'control'), 'Package: linux-image-test\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: test\n');
      writeFileSync(join(tree, 'kernel', 'drivers', 'net', 'e1000.ko'), fixtureKernelModule(['alias=pci:v00008086d0000100Esv*sd*bc*sc*i*', 'alias=pci:v00008086d0000100Fsv*sd*bc*sc*i*']));
      writeFileSync(join(tree, 'kernel', 'drivers', 'net', 'a-first.ko'), fixtureKernelModule(['alias=pci:v000010ECd00008139sv*sd*bc*sc*i*']));
      writeFileSync(join(tree, 'modules.order'), 'kernel/drivers/net/e1000.ko\n');
      const built = spawnSync('dpkg-deb', ['--build', '--root-owner-group', join(dir, 'pkg'), join(dir, 'k.deb')], { encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
      const result = await extractModuleTables(join(dir, 'k.deb'), join(dir, 'out'));
      assert.deepEqual(result, { release: '6.1.0-test', modules: 2, aliases: 3 });
      assert.deepEqual(readFileSync(join(dir, 'out', 'modules.alias'), 'utf8').split('\n').slice(1), [
        'alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000',
        'alias pci:v00008086d0000100Fsv*sd*bc*sc*i* e1000',
        'alias pci:v000010ECd00008139sv*sd*bc*sc*i* a_first',
        '',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('slm data: corpus', () => {
  const options = { size: 1200, paraphraseSize: 120, seed: 7 };
  let built: CorpusBuild;
  before(() => {
    built = buildCorpus(inputs, options);
  });

  it('is deterministic: the same seed gives the same files, another seed others', () => {
    const again = buildCorpus(inputs, options);
    for (const split of ['train', 'validation', 'test'] as const) {
      assert.equal(toJsonl(examplesOf(again.corpus.splits[split])), toJsonl(examplesOf(built.corpus.splits[split])));
    }
    assert.equal(toJsonl(examplesOf(again.corpus.paraphrase)), toJsonl(examplesOf(built.corpus.paraphrase)));
    const other = buildCorpus(inputs, { ...options, seed: 8 });
    assert.notEqual(toJsonl(examplesOf(other.corpus.splits.train)), toJsonl(examplesOf(built.corpus.splits.train)));
  });

  it('fills every split with all six intents, balanced', () => {
    const { train, validation, test } = built.corpus.splits;
    assert.equal(train.length, 960);
    for (const [name, list, share] of [['train', train, 0.8], ['validation', validation, 0.1], ['test', test, 0.1]] as const) {
      for (const intent of INTENTS) {
        const n = list.filter((g) => g.example.intent === intent).length;
        assert.ok(n >= Math.floor((options.size * share) / 6 * 0.5), `${name} has ${n} ${intent} examples`);
      }
      assert.ok(list.every((g) => g.example.split === name));
    }
    assert.equal(built.corpus.paraphrase.length, options.paraphraseSize);
  });

  it('shares no template, device or catalogue entity between train, validation and test', () => {
    assert.deepEqual(built.leakage.problems, []);
    const { train, validation, test } = built.corpus.splits;
    const keys = (list: typeof train, key: (g: (typeof train)[number]) => string | null | undefined) =>
      new Set(list.map(key).filter((k): k is string => typeof k === 'string'));
    for (const key of [(g: (typeof train)[number]) => g.example.template, (g: (typeof train)[number]) => g.example.device, (g: (typeof train)[number]) => g.entity]) {
      const [a, b, c] = [keys(train, key), keys(validation, key), keys(test, key)];
      for (const k of b) assert.ok(!a.has(k), `${k} in train and validation`);
      for (const k of c) assert.ok(!a.has(k) && !b.has(k), `${k} in test and another split`);
    }
    // The leakage check itself notices a shared template.
    const leak = checkLeakage({ train: [{ template: 'X/a/0' }], test: [{ template: 'X/a/0', device: '8086:100e' }] });
    assert.equal(leak.problems.length, 1);
  });

  it('words the paraphrase set with its own templates, about held-out entities only', () => {
    const { train, validation, test } = built.corpus.splits;
    const trainTemplates = new Set(train.map((g) => g.example.template));
    const heldOut = new Set(test.map((g) => g.entity));
    const trainEntities = new Set([...train, ...validation].map((g) => g.entity));
    for (const g of built.corpus.paraphrase) {
      assert.match(g.example.template, /\/p\d+$/);
      assert.ok(!trainTemplates.has(g.example.template));
      if (g.entity !== null) assert.ok(!trainEntities.has(g.entity), `${g.entity} is a training entity`);
    }
    assert.ok([...heldOut].length > 0);
    // No paraphrase wording is a training template's wording.
    const trainTexts = new Set(ALL_FRAMES.flatMap((f) => f.frames.flatMap((fr) => fr.templates)));
    for (const f of ALL_FRAMES) for (const fr of f.frames) for (const p of fr.paraphrases) assert.ok(!trainTexts.has(p), p);
  });

  it('computes answers from the sources', () => {
    const all = [...built.corpus.splits.train, ...built.corpus.splits.validation, ...built.corpus.splits.test, ...built.corpus.paraphrase].map((g) => g.example);
    const hw = all.filter((e) => e.intent === 'HARDWARE_IDENTIFY' && e.template.includes('/by-id/') && e.device === '8086:100e');
    for (const e of hw) assert.equal(e.answer, '8086:100e is Intel Corporation 82540EM Gigabit Ethernet Controller; driver e1000');
    for (const e of all.filter((x) => x.intent === 'DRIVER_SELECT' && x.device !== undefined)) {
      assert.match(e.answer, new RegExp(`^load driver [a-z0-9_]+ for ${e.device}$`));
      const [vid, did] = (e.device as string).split(':') as [string, string];
      if (e.template.includes('/by-id/')) assert.ok(e.request.includes(vid) && e.request.includes(did), e.request);
    }
    const requests = all.map((e) => e.request.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim());
    assert.equal(new Set(requests).size, requests.length, 'requests are unique');
    assert.ok(all.every((e) => !/[{}[\]]/.test(e.request.replace(/\[[0-9a-f]{4}:[0-9a-f]{4}\]/, ''))), 'no unfilled template syntax');
  });
});

describe('slm data: wording variety', () => {
  it('rewords templates around their slots, never inside them, the same way for the same seed', () => {
    const rng = new Rng(3);
    const outs = Array.from({ length: 400 }, () => augmentTemplate('restart the {service} service', rng, { ...NO_AUGMENT, wrap: 0.6, articles: 0.3, typo: 0.5 }));
    for (const out of outs) assert.equal(out.match(/\{[a-z]+\}/gi)?.join(), '{service}', out);
    assert.ok(new Set(outs).size > 60, `only ${new Set(outs).size} wordings`);
    assert.ok(outs.some((o) => /^(could|can) you restart/.test(o)), 'imperatives get request shapes');
    assert.ok(outs.some((o) => o.includes('restart {service}')), 'articles get dropped');
    const again = new Rng(3);
    assert.deepEqual(Array.from({ length: 400 }, () => augmentTemplate('restart the {service} service', again, { ...NO_AUGMENT, wrap: 0.6, articles: 0.3, typo: 0.5 })), outs);
    // Questions and statements keep their words; only intent-neutral openers/closers are added.
    const q = new Rng(5);
    for (let i = 0; i < 200; i++) assert.ok(augmentTemplate('what is {id}?', q, { ...NO_AUGMENT, wrap: 1 }).includes('what is {id}?'));
  });

  it('varies training requests only: evaluation files keep their templates\' own wording', () => {
    const built = buildCorpus(inputs, { size: 1200, paraphraseSize: 120, seed: 7 });
    const opener = /^(hey|hi|hello|ok|um|hmm|yo|btw|alright|right|sorry|quick question|question|excuse me|could you|can you|pls|kindly)\b/i;
    const { train, validation, test } = built.corpus.splits;
    const share = (list: typeof train) => list.filter((g) => opener.test(g.example.request)).length / list.length;
    assert.ok(share(train) > 0.1, `train: ${share(train)}`);
    // Evaluation requests start that way only where a template itself does.
    const startsSo = (id: string) => ALL_FRAMES.some((f) => f.frames.some((fr) => fr.templates.some((t, i) => `${f.intent}/${fr.name}/${i}` === id && opener.test(t))));
    for (const g of [...validation, ...test]) {
      if (opener.test(g.example.request)) assert.ok(startsSo(g.example.template), g.example.request);
    }
  });

  it('draws the paraphrase set independently of the training templates', () => {
    const pci = parsePciIds(inputs.pciIds);
    const pools = buildPools(pci, buildCatalogue(pci, parseModulesAlias(inputs.modulesAlias), inputs.modulesOrder), 7);
    const options = { size: 1200, paraphraseSize: 120, seed: 7 };
    const fewer = ALL_FRAMES.map(({ intent, frames }) => ({ intent, frames: frames.map((f) => ({ ...f, templates: f.templates.slice(0, 6) })) }));
    const a = generateCorpus(ALL_FRAMES, pools, options);
    const b = generateCorpus(fewer, pools, options);
    assert.equal(toJsonl(b.paraphrase.map((g) => g.example)), toJsonl(a.paraphrase.map((g) => g.example)));
    assert.notEqual(toJsonl(b.splits.train.map((g) => g.example)), toJsonl(a.splits.train.map((g) => g.example)));
  });

  it('adds variety templates to every frame, none repeating a frame\'s own template or paraphrase', () => {
    for (const { intent, frames } of ALL_FRAMES) {
      for (const f of frames) {
        const extra = VARIETY[`${intent}/${f.name}`] ?? [];
        assert.ok(extra.length >= 5, `${intent}/${f.name} has ${extra.length} variety templates`);
        assert.equal(new Set(f.templates).size, f.templates.length, `${intent}/${f.name} repeats a template`);
        for (const p of f.paraphrases) assert.ok(!f.templates.includes(p), p);
      }
    }
  });

  it('adds 10 to 14 natural-wording templates to every frame, using only the slots its other templates use', () => {
    for (const { intent, frames } of ALL_FRAMES) {
      for (const f of frames) {
        const extra = NATURAL[`${intent}/${f.name}`] ?? [];
        assert.ok(extra.length >= 10 && extra.length <= 14, `${intent}/${f.name} has ${extra.length} natural templates`);
        const slots = new Set(f.templates.filter((t) => !extra.includes(t)).flatMap(slotsOf));
        for (const t of extra) {
          assert.ok(f.templates.includes(t), t);
          for (const s of slotsOf(t)) assert.ok(slots.has(s), `${intent}/${f.name}: "${t}" uses {${s}}`);
        }
      }
    }
  });

  it('refuses a template repeated within a frame, naming the frame and the template', () => {
    assert.deepEqual(mergeTemplates('X/y', [['a', ['one', 'two']], ['b', undefined], ['c', ['three']]]), ['one', 'two', 'three']);
    assert.throws(() => mergeTemplates('X/y', [['a', ['one', 'two']], ['c', ['three', 'two']]]), /frame X\/y: the template "two" \(in c\)/);
  });

  it('adds contrast templates to every APP_INSTALL, INSTALL_CONFIGURE and SYSTEM_MANAGE frame, all used by their frames', () => {
    for (const { intent, frames } of ALL_FRAMES) {
      for (const f of frames) {
        const extra = CONTRAST[`${intent}/${f.name}`] ?? [];
        if (intent === 'APP_INSTALL' || intent === 'INSTALL_CONFIGURE') assert.ok(extra.length >= 5, `${intent}/${f.name} has ${extra.length} contrast templates`);
        if (intent === 'SYSTEM_MANAGE') assert.ok(extra.length >= 4, `${intent}/${f.name} has ${extra.length} contrast templates`);
        for (const t of extra) assert.ok(f.templates.includes(t), t);
      }
    }
  });
});

describe('slm data: the committed dataset (slm/data)', () => {
  const dir = join(root, 'slm', 'data');
  const sets = ['train', 'validation', 'test', 'paraphrase'] as const;
  const files = Object.fromEntries(sets.map((s) => [s, readJsonl(join(dir, `${s}.jsonl`))])) as Record<(typeof sets)[number], Example[]>;

  it('holds every intent in every file, with the card counting what the files hold', () => {
    const card = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const s of sets) {
      for (const intent of INTENTS) assert.ok(files[s].some((e) => e.intent === intent), `${s} has ${intent}`);
    }
    const total = card.match(/\| \*\*total\*\* \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|/);
    assert.ok(total, 'the card has a total row');
    assert.deepEqual(total.slice(1, 5).map(Number), sets.map((s) => files[s].length));
    assert.match(card, /no template, device or entity is shared/);
    assert.ok(existsSync(join(dir, 'tokenizer.json')));
  });

  it('shares no template or device between its splits, nor with the paraphrase set', () => {
    assert.deepEqual(checkLeakage({ train: files.train, validation: files.validation, test: files.test }).problems, []);
    assert.deepEqual(checkLeakage({ train: files.train, validation: files.validation, paraphrase: files.paraphrase }).problems, []);
    assert.ok(files.paraphrase.every((e) => /\/p\d+$/.test(e.template)));
  });
});
