/**
 * Made-up names in place of catalogue entities (applications, services, users) in some training
 * requests. Evaluation requests are about entities the model never trained on (each entity lands
 * in one split), so it must tell "get me zorblat" from "restart zorblat" by the words around
 * the name, not by having memorised which names are applications and which are services. A
 * training request whose entity is replaced keeps its template, its frame and its answer
 * (computed from the new slots: "pkg install zorblat").
 */
import type { EntityKind, Slots } from './frames';
import { APPS, SERVICES, USERS } from './entities';
import type { Rng } from './random';

/** Share of training requests about an application, service or user that get a made-up one. */
export const NONCE_RATE = 0.2;

const ONSETS = ['b', 'br', 'd', 'dr', 'f', 'fl', 'g', 'gr', 'k', 'kl', 'l', 'm', 'n', 'p', 'pl', 'r', 's', 'sk', 'st', 't', 'tr', 'v', 'z', 'x', 'qu', 'h', 'j', 'w', 'sh', 'ch'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'y', 'ai', 'ea', 'io', 'ou'];
const CODAS = ['', '', '', 'n', 'r', 'l', 'x', 'k', 'm', 's', 't', 'nd', 'rk', 'st'];

/** Real catalogue names, which a made-up name must never equal. */
const KNOWN = new Set([
  ...APPS.flatMap((a) => [a.name.toLowerCase(), a.pkg]),
  ...SERVICES.flatMap((s) => [s.name.toLowerCase(), s.unit.toLowerCase()]),
  ...USERS,
]);

/** A pronounceable word of two or three syllables ("kravon", "stiolex"). */
export function nonceWord(rng: Rng): string {
  for (;;) {
    let word = '';
    const syllables = 2 + rng.below(2);
    for (let i = 0; i < syllables; i++) word += rng.pick(ONSETS) + rng.pick(VOWELS) + (i === syllables - 1 ? rng.pick(CODAS) : '');
    if (!KNOWN.has(word)) return word;
  }
}

const capital = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/**
 * A made-up entity of `kind` in place of `slots`: its name and its slots (the original's other
 * slots kept, e.g. an application's `kind`); null for kinds that are not catalogue names.
 */
export function nonceSlots(kind: EntityKind, slots: Slots, rng: Rng): { name: string; slots: Slots } | null {
  const word = nonceWord(rng);
  switch (kind) {
    case 'app': {
      const roll = rng.below(4);
      const name = roll === 0 ? capital(word) : roll === 1 ? word : roll === 2 ? `${capital(word)} ${capital(nonceWord(rng))}` : `${word}-${rng.pick(['studio', 'tools', 'client', 'editor', 'player', 'desktop'])}`;
      return { name, slots: { ...slots, app: name, pkg: name.toLowerCase().replace(/\s+/g, '-') } };
    }
    case 'service': {
      const suffix = rng.pick(['', '', ' server', ' daemon', ' service']);
      const unit = rng.next() < 0.3 ? `${word}d` : word;
      const name = `${rng.next() < 0.3 ? capital(word) : word}${suffix}`;
      return { name, slots: { ...slots, service: name, unit } };
    }
    case 'user':
      return { name: word, slots: { ...slots, user: word } };
    default:
      return null;
  }
}
