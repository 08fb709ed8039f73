/**
 * All frames, in the order of the INTENTS contract; each frame's templates plus its VARIETY,
 * CONTRAST and NATURAL ones, and its paraphrase templates from ../paraphrases.ts. A template
 * that appears twice in one frame is an error (it would weigh double and could land in two
 * splits).
 */
import type { IntentFrames, IntentTemplates } from '../frames';
import { PARAPHRASES } from '../paraphrases';
import { APP_INSTALL } from './appInstall';
import { DRIVER_SELECT } from './driverSelect';
import { HARDWARE_IDENTIFY } from './hardwareIdentify';
import { INSTALL_CONFIGURE } from './installConfigure';
import { SYSTEM_MANAGE } from './systemManage';
import { TROUBLESHOOT } from './troubleshoot';
import { CONTRAST } from './contrast';
import { NATURAL } from './natural';
import { VARIETY } from './variety';

/**
 * Joins a frame's template lists (named by where they come from) in order; throws, naming the
 * frame, the template and its file, when a template repeats one the frame already has.
 */
export function mergeTemplates(key: string, lists: readonly (readonly [string, readonly string[] | undefined])[]): string[] {
  const merged: string[] = [];
  const seen = new Set<string>();
  for (const [file, list] of lists) {
    for (const t of list ?? []) {
      if (seen.has(t)) throw new Error(`frame ${key}: the template "${t}" (in ${file}) repeats one the frame already has; delete the later copy`);
      seen.add(t);
      merged.push(t);
    }
  }
  return merged;
}

const complete = ({ intent, frames }: IntentTemplates): IntentFrames => ({
  intent,
  frames: frames.map((f) => ({
    ...f,
    templates: mergeTemplates(`${intent}/${f.name}`, [
      ['its frame', f.templates], ['templates/variety.ts', VARIETY[`${intent}/${f.name}`]],
      ['templates/contrast.ts', CONTRAST[`${intent}/${f.name}`]], ['templates/natural.ts', NATURAL[`${intent}/${f.name}`]],
    ]),
    paraphrases: PARAPHRASES[`${intent}/${f.name}`] ?? [],
  })),
});

export const ALL_FRAMES: readonly IntentFrames[] = [
  HARDWARE_IDENTIFY, DRIVER_SELECT, INSTALL_CONFIGURE, APP_INSTALL, SYSTEM_MANAGE, TROUBLESHOOT,
].map(complete);

/** Every VARIETY, CONTRAST, NATURAL and PARAPHRASES key names a frame (a typo there would silently drop its templates). */
for (const [file, extra] of [['templates/variety', VARIETY], ['templates/contrast', CONTRAST], ['templates/natural', NATURAL], ['paraphrases', PARAPHRASES]] as const) {
  for (const key of Object.keys(extra)) {
    const [intent, name] = key.split('/');
    const known = ALL_FRAMES.some((f) => f.intent === intent && f.frames.some((fr) => fr.name === name));
    if (!known) throw new Error(`${file}.ts: "${key}" is not a frame`);
  }
}
