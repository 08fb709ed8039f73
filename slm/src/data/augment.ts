/**
 * Training-time variation of a template's wording, applied to the training split only (the
 * evaluation splits and the paraphrase set keep their templates' plain wording):
 *
 * - a request shape around an imperative ("restart nginx" -> "could you restart nginx?",
 *   "i need to restart nginx", "how do i restart nginx?"), or an intent-neutral opener or closer
 *   around anything ("hey, ...", "... thanks"). None of these carries an intent, so the model
 *   must read the words that do;
 * - telegraphic style: articles dropped ("restart the ssh server" -> "restart ssh server");
 * - one typo in a template word (a swapped, dropped or doubled letter).
 *
 * It works on the template after its [a|b] alternatives are chosen and before its {slots} are
 * filled, so slot values (device names, ids, package names) are never garbled.
 */
import type { Rng } from './random';

export interface AugmentRates {
  wrap: number; // probability of a request shape / opener / closer
  articles: number; // probability of dropping the articles
  typo: number; // probability of one typo
}

export const DEFAULT_AUGMENT: AugmentRates = { wrap: 0.5, articles: 0.12, typo: 0.15 };

/** First words that make a template an imperative ("restart ...", "install ..."). */
const IMPERATIVE = new Set(`
add adjust allocate allow apply assign attach begin bounce bring bump change check choose close
configure connect create decode delete describe detect disable display do download drop enable
end enumerate erase fetch find fix force format get give grab grant have hook identify include increase
initialize install join keep kick kill launch let list load log look make mount name open pick
power print purge put quit read reboot recommend redo register reinstall reload remove rename
reset restart run scan search select set show shut skip start stop switch sync synchronize tail
take tell terminate turn uninstall unblock update upgrade use view wipe write
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

/** Adds a closer, unless the text already ends in a courtesy ("... please" + " please"). */
function closed(text: string, rng: Rng): string {
  return /\b(please|pls|thanks|thx)$/.test(text) ? text : text + rng.pick(CLOSERS);
}

/** Varies a template (alternatives chosen, slots unfilled) as the module comment says. */
export function augmentTemplate(text: string, rng: Rng, rates: AugmentRates = DEFAULT_AUGMENT): string {
  let out = text;
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
  if (rng.next() < rates.typo) out = typo(out, rng);
  return out;
}
