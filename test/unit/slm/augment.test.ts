import { strict as assert } from 'node:assert';
import { augmentTemplate, NO_AUGMENT } from '../../../slm/src/data/augment';
import { buildCorpus } from '../../../slm/src/data/build';
import { APPS, SERVICES, USERS } from '../../../slm/src/data/entities';
import { nonceSlots, nonceWord } from '../../../slm/src/data/nonce';
import { Rng } from '../../../slm/src/data/random';
import { SYNONYMS, synonymsFor } from '../../../slm/src/data/synonyms';
import { INTENTS } from '../../../slm/src/types';
import { fixtureModulesAlias, fixtureModulesOrder, fixturePciIds } from './dataFixtures';

const inputs = { pciIds: fixturePciIds(), modulesAlias: fixtureModulesAlias(), modulesOrder: fixtureModulesOrder() };
const many = (template: string, intent: (typeof INTENTS)[number], rates = { ...NO_AUGMENT, synonyms: 1 }, seed = 1) => {
  const rng = new Rng(seed);
  return Array.from({ length: 300 }, () => augmentTemplate(template, rng, rates, intent));
};

describe('slm data: synonyms', () => {
  it('rewords an action with its intent\'s other words, never touching a slot', () => {
    const outs = many('restart the {service} service', 'SYSTEM_MANAGE');
    for (const o of outs) assert.equal(o.match(/\{[a-z]+\}/gi)?.join(), '{service}', o);
    assert.ok(outs.some((o) => o.startsWith('bounce the {service}')), 'restart -> bounce');
    assert.ok(outs.some((o) => o.startsWith('restart the {service}')), 'sometimes kept');
    const apps = many('uninstall {app} from this computer', 'APP_INSTALL');
    assert.ok(apps.some((o) => o.startsWith('get rid of {app}')), 'uninstall -> get rid of');
    assert.ok(apps.some((o) => /from this (machine|box|pc|laptop)$/.test(o)), 'common groups apply too');
  });

  it('uses only the intent\'s own groups: "remove" a user never becomes "uninstall"', () => {
    const outs = many('remove the user {user}', 'SYSTEM_MANAGE');
    assert.ok(outs.every((o) => !/uninstall|purge/.test(o)), outs.find((o) => /uninstall|purge/.test(o)));
    assert.ok(outs.some((o) => o.startsWith('delete the')), 'remove -> delete');
  });

  it('matches the longest phrase: "get rid of" is one phrase, not "get" + "rid of"', () => {
    const outs = many('get rid of {app}', 'APP_INSTALL');
    assert.ok(outs.every((o) => o.endsWith(' {app}') && !/rid of/.test(o.replace(/^get rid of/, ''))), outs.join('\n'));
    assert.ok(outs.every((o) => !/^(install|download|grab|fetch|add) rid of/.test(o)));
  });

  it('has a table for every intent whose groups all compile', () => {
    for (const intent of INTENTS) {
      assert.ok(SYNONYMS[intent].length >= 5, intent);
      assert.ok(synonymsFor(intent).groupOf.size > 20, intent);
    }
  });

  it('drops only small words and puts fillers in front', () => {
    const rng = new Rng(2);
    const drops = Array.from({ length: 200 }, () => augmentTemplate('restart the {service} service on this machine', rng, { ...NO_AUGMENT, drop: 1 }, 'SYSTEM_MANAGE'));
    for (const o of drops) assert.ok(o.includes('restart') && o.includes('{service}') && o.includes('machine'), o);
    assert.ok(drops.some((o) => o === 'restart {service} service on this machine'));
    const fills = Array.from({ length: 200 }, () => augmentTemplate('i need {app}', rng, { ...NO_AUGMENT, filler: 1 }, 'APP_INSTALL'));
    for (const o of fills) assert.match(o, /^i \S+,? need \{app\}$/);
  });
});

describe('slm data: made-up entities', () => {
  it('makes pronounceable names that no catalogue entry has', () => {
    const known = new Set([...APPS.flatMap((a) => [a.name.toLowerCase(), a.pkg]), ...SERVICES.map((s) => s.unit.toLowerCase()), ...USERS]);
    const rng = new Rng(4);
    const words = Array.from({ length: 2000 }, () => nonceWord(rng));
    for (const w of words) assert.ok(/^[a-z]{4,}$/.test(w) && !known.has(w), w);
    assert.ok(new Set(words).size > 1800, 'varied');
  });

  it('replaces the name slots only, keeping the rest of the entity', () => {
    const rng = new Rng(5);
    const made = nonceSlots('app', { app: 'VLC', pkg: 'vlc', kind: 'media player' }, rng);
    const app = made?.slots;
    assert.ok(app !== undefined && app.app !== 'VLC' && app.app === made?.name && app.kind === 'media player' && app.pkg === app.app?.toLowerCase().replace(/\s+/g, '-'));
    const madeSvc = nonceSlots('service', { service: 'nginx', unit: 'nginx' }, rng);
    const svc = madeSvc?.slots;
    assert.ok(svc !== undefined && svc.service === madeSvc?.name && svc.unit !== 'nginx' && /^[a-z]+$/.test(svc.unit as string));
    assert.equal(nonceSlots('device', { id: '8086:100e' }, rng), null);
  });

  it('puts them in some training requests only, with answers computed from them', () => {
    const built = buildCorpus(inputs, { size: 3000, paraphraseSize: 120, seed: 7 });
    const { train, validation, test } = built.corpus.splits;
    const made = train.filter((g) => g.entity?.startsWith('nonce:'));
    const named = train.filter((g) => /^(app|service|user):/.test(g.entity ?? ''));
    const share = made.length / (made.length + named.length);
    assert.ok(share > 0.1 && share < 0.3, `share ${share}`);
    for (const g of made) {
      const name = (g.entity as string).slice('nonce:'.length);
      assert.ok(g.example.request.toLowerCase().includes(name.toLowerCase().split(' ')[0] as string), `${g.example.request} / ${name}`);
    }
    // An application's package name lands in the answer ("pkg install <made-up>").
    assert.ok(made.some((g) => g.example.answer.startsWith('pkg install ') && !APPS.some((a) => g.example.answer === `pkg install ${a.pkg}`)));
    for (const g of [...validation, ...test, ...built.corpus.paraphrase]) assert.ok(!g.entity?.startsWith('nonce:'), g.example.request);
  });
});
