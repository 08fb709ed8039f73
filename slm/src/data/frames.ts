/**
 * A frame is one kind of request with one way to compute its answer ("which driver does <pci id>
 * need" -> "load driver <module> for <id>"), written out as many phrasings (templates). Templates
 * of the training pool are split by template between train, validation and test; the
 * paraphrase templates are worded differently and only ever appear in the paraphrase set.
 *
 * Template syntax: {slot} inserts a slot value; [a|b|c] picks one alternative ([a|] makes a
 * word optional). Slots come from the frame's entity (a device, an app ...) and from plain
 * values (interfaces, disks, sizes ...).
 */
import type { Intent } from '../types';

/** What a frame draws its main slots from; each entity lands in exactly one split. */
export type EntityKind =
  | 'none' | 'device' | 'driverDevice' | 'categoryDevice' | 'vendor' | 'pciClass' | 'classDriver'
  | 'app' | 'service' | 'user' | 'timezone' | 'locale' | 'layout' | 'hostname';

export type Slots = Readonly<Record<string, string>>;

export interface Frame {
  name: string; // unique within its intent
  entity: EntityKind;
  weight: number; // relative frequency within the intent
  source: string; // where the answer comes from, for the dataset card
  answer: (s: Slots) => string;
  templates: readonly string[];
  paraphrases: readonly string[]; // from ./paraphrases.ts, kept apart from the templates
}

export interface IntentFrames {
  intent: Intent;
  frames: readonly Frame[];
}

/** A frame as the template files write it: everything but its paraphrases. */
export type FrameTemplates = Omit<Frame, 'paraphrases'>;

export interface IntentTemplates {
  intent: Intent;
  frames: readonly FrameTemplates[];
}

const SLOT = /\{([a-zA-Z]+)\}/g;

/** The slot names a template uses. */
export function slotsOf(template: string): string[] {
  return [...template.matchAll(SLOT)].map((m) => m[1] as string);
}

/**
 * Fills a template: alternatives chosen with `pick`, then `vary` (if given) rewords the result
 * while its slots are still placeholders, then slots from `slots` (missing = error).
 */
export function fillTemplate(template: string, slots: Slots, pick: (n: number) => number, vary?: (text: string) => string): string {
  const picked = template.replace(/\[([^\]]*)\]/g, (_m, body: string) => {
    const options = body.split('|');
    return options[pick(options.length)] as string;
  });
  const chosen = vary ? vary(picked.replace(/\s+/g, ' ').trim()) : picked;
  const filled = chosen.replace(SLOT, (_m, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`template "${template}" uses {${name}}, which its frame does not provide`);
    return value;
  });
  return filled.replace(/\s+/g, ' ').replace(/\s+([?,.!])(?=\s|$)/g, '$1').replace(/\b([Aa]) (?=[AEIOaeio])/g, '$1n ').trim();
}

