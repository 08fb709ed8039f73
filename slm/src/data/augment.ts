/**
 * Training-time variation of a template's wording, applied to the training split only (the
 * evaluation splits and the paraphrase set keep their templates' plain wording):
 *
 * - other words for the same thing, from the intent's synonym groups (synonyms.ts: "restart"
 *   -> "bounce", "uninstall" -> "get rid of", "application" -> "program");
 * - a request shape around an imperative ("restart nginx" -> "could you restart nginx?",
 *   "i need to restart nginx", "how do i restart nginx?"), or an intent-neutral opener or closer
 *   around anything ("hey, ...", "... thanks"). None of these carries an intent, so the model
 *   must read the words that do;
 * - telegraphic style: articles dropped ("restart the ssh server" -> "restart ssh server");
 * - one template word left out ("restart the ssh service" -> "restart ssh service"), or an
 *   intent-neutral filler word put in ("just", "really", "now" ...);
 * - one typo in a template word (a swapped, dropped or doubled letter).
 *
 * It works on the template after its [a|b] alternatives are chosen and before its {slots} are
 * filled, so slot values (device names, ids, package names) are never garbled.
 */
import type { Intent } from '../types';
import type { Rng } from './random';
import { synonymsFor } from './synonyms';

export interface AugmentRates {
  synonyms: number; // probability of rewording with synonyms (each phrase found then changes with p 0.6)
  wrap: number; // probability of a request shape / opener / closer
  articles: number; // probability of dropping the articles
  drop: number; // probability of leaving out one template word
  filler: number; // probability of putting in one filler word
  typo: number; // probability of one typo
}

export const DEFAULT_AUGMENT: AugmentRates = { synonyms: 0.5, wrap: 0.5, articles: 0.12, drop: 0.1, filler: 0.1, typo: 0.15 };

/** No rewording at all (a base for tests that switch on one kind). */
export const NO_AUGMENT: AugmentRates = { synonyms: 0, wrap: 0, articles: 0, drop: 0, filler: 0, typo: 0 };

/** First words that make a template an imperative ("restart ...", "install ..."). */
const IMPERATIVE = new Set(`
activate add adjust allocate allow apply assign attach begin bounce bring bump change check choose close
configure connect create decode delete describe detect disable display do download drop enable
bind bounce cycle deactivate deploy dig end enumerate erase fetch find fire fix force format get
give grab grant halt have hook identify include increase initialize insert install join keep kick
kill launch let link list load log look make modprobe mount name nuke open patch permit pick power
print pull purge put quit read reboot recommend redo refresh reformat register reinstall reload
remove rename reset restart run scan search select set show shut skip spin start stop suggest
switch sync synchronize tail take tell terminate throw turn uninstall unblock update upgrade use
view wipe write
`.trim().split(/\s+/));

/** Shapes around an imperative verb phrase X. */
const IMPERATIVE_SHAPES: readonly string[] = [
  'could you X?', 'can you X?', 'can you please X?', 'would you X?', 'will you X?', 'please X',
  'X please', 'X for me', 'X for me please', 'i want to X', "i'd like to X", 'i would like to X',
  'i need to X', 'i have to X', 'we need to X', 'help me X', 'how do i X?', 'how can i X?',
  'how would i X?', 'is it possible to X?', 'go ahead and X', "let's X", 'X, thanks', 'X thx',
  'X asap', 'can u X', 'pls X', 'kindly X', 'time to X', 'i was asked to X', 'my boss wants me to X',
  'what is the command to X?', 'remind me how to X', 'need to X', 'X if you can', 'X when you get a chance',
  'i would like you to X', 'could you please X?', 'i need you to X', 'try to X', 'you can X now',
  'X, would you?', 'X right now', 'X quickly', 'X real quick', 'first, X', 'ok, X', 'now X',
  'auton, X', 'computer, X', 'hey auton, X',
];

/** Intent-neutral openers and closers for any request. */
const OPENERS: readonly string[] = [
  'hey, ', 'hi, ', 'hello, ', 'hi there, ', 'ok, ', 'ok so ', 'so ', 'um, ', 'hmm, ', 'quick question: ',
  'question: ', 'sorry, ', 'excuse me, ', 'good morning, ', 'yo ', 'one more thing, ', 'also, ', 'btw ',
  'alright, ', 'right, ', "i'm new to linux, ", 'newbie here: ', 'dear auton, ', 'auton: ', 'hey auton, ',
];
const CLOSERS: readonly string[] = [
  ' please', ' pls', ' thanks', ', thanks!', ' thank you', ' thx', '!', ' :)', ' ??', '...', ', cheers',
  ' if possible', ', thanks in advance', ' (thanks)', '?!',
];

const ARTICLE = /\b(the|a|an) /g;

/** Changes one letter of one plain word of at least 4 letters outside the slots, if any. */
function typo(text: string, rng: Rng): string {
  const words = [...text.matchAll(/(?<![{\w])[a-z]{4,}(?![\w}])/g)];
  if (words.length === 0) return text;
  const m = rng.pick(words);
  const word = m[0];
  const i = 1 + rng.below(word.length - 2); // never the first letter
  const kind = rng.below(3);
  const changed = kind === 0 ? word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2) // swap
    : kind === 1 ? word.slice(0, i) + word.slice(i + 1) // drop
      : word.slice(0, i) + word[i] + word.slice(i); // double
  return text.slice(0, m.index) + changed + text.slice((m.index ?? 0) + word.length);
}

/** Replaces phrases of the intent's synonym groups, each found one with probability 0.6. */
function synonyms(text: string, intent: Intent, rng: Rng): string {
  const { pattern, groupOf } = synonymsFor(intent);
  return text.replace(pattern, (found: string) => {
    const group = groupOf.get(found.replace(/\s+/g, ' '));
    if (group === undefined || rng.next() >= 0.6) return found;
    const others = group.filter((p) => p !== found);
    return rng.pick(others);
  });
}

/** Words a terse writer leaves out without changing what is asked. */
const DROPPABLE = new Set('the a an my this that is are to for of on in me do does it all please can you with at be will some'.split(' '));

/** Leaves out one droppable word ("restart the ssh service" -> "restart ssh service"), if any. */
function dropWord(text: string, rng: Rng): string {
  const words = [...text.matchAll(/(?<![{\w'-])[a-z]+(?![\w}'-])/g)].filter((m) => DROPPABLE.has(m[0]));
  if (words.length === 0 || text.split(/\s+/).length < 4) return text;
  const m = rng.pick(words);
  const at = m.index ?? 0;
  return (text.slice(0, at) + text.slice(at + m[0].length)).replace(/\s+/g, ' ').trim();
}

const FILLERS: readonly string[] = ['just', 'really', 'actually', 'maybe', 'also', 'basically', 'honestly', 'quick,'];

/** Puts one filler word in front, or after a leading "i"/"we"/"please" ("i just need ..."). */
function fillWord(text: string, rng: Rng): string {
  const lead = /^(i|we|please|pls) /.exec(text);
  const at = lead ? lead[0].length : 0;
  return `${text.slice(0, at)}${rng.pick(FILLERS)} ${text.slice(at)}`;
}

/** Adds a closer, unless the text already ends in a courtesy ("... please" + " please"). */
function closed(text: string, rng: Rng): string {
  return /\b(please|pls|thanks|thx)$/.test(text) ? text : text + rng.pick(CLOSERS);
}

/** Varies a template (alternatives chosen, slots unfilled) as the module comment says. */
export function augmentTemplate(text: string, rng: Rng, rates: AugmentRates = DEFAULT_AUGMENT, intent?: Intent): string {
  let out = text;
  if (intent !== undefined && rng.next() < rates.synonyms) out = synonyms(out, intent, rng);
  if (rng.next() < rates.wrap) {
    const first = /^[a-z]+/.exec(out)?.[0];
    if (first !== undefined && IMPERATIVE.has(first) && !out.endsWith('?') && rng.next() < 0.75) {
      const core = out.replace(/[.!]+$/, '');
      out = rng.pick(IMPERATIVE_SHAPES).replace('X', core);
    } else {
      const roll = rng.next();
      if (roll < 0.45) out = rng.pick(OPENERS) + out;
      else if (roll < 0.85) out = closed(out, rng);
      else out = closed(rng.pick(OPENERS) + out, rng);
    }
  }
  if (rng.next() < rates.articles) out = out.replace(ARTICLE, '');
  if (rng.next() < rates.drop) out = dropWord(out, rng);
  if (rng.next() < rates.filler) out = fillWord(out, rng);
  if (rng.next() < rates.typo) out = typo(out, rng);
  return out;
}
