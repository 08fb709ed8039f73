/**
 * All frames, in the order of the INTENTS contract; each frame's templates plus its VARIETY and
 * CONTRAST ones, and its paraphrase templates from ../paraphrases.ts.
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
import { VARIETY } from './variety';

const complete = ({ intent, frames }: IntentTemplates): IntentFrames => ({
  intent,
  frames: frames.map((f) => ({
    ...f,
    templates: [...f.templates, ...(VARIETY[`${intent}/${f.name}`] ?? []), ...(CONTRAST[`${intent}/${f.name}`] ?? [])],
    paraphrases: PARAPHRASES[`${intent}/${f.name}`] ?? [],
  })),
});

export const ALL_FRAMES: readonly IntentFrames[] = [
  HARDWARE_IDENTIFY, DRIVER_SELECT, INSTALL_CONFIGURE, APP_INSTALL, SYSTEM_MANAGE, TROUBLESHOOT,
].map(complete);

/** Every VARIETY, CONTRAST and PARAPHRASES key names a frame (a typo there would silently drop its templates). */
for (const [file, extra] of [['templates/variety', VARIETY], ['templates/contrast', CONTRAST], ['paraphrases', PARAPHRASES]] as const) {
  for (const key of Object.keys(extra)) {
    const [intent, name] = key.split('/');
    const known = ALL_FRAMES.some((f) => f.intent === intent && f.frames.some((fr) => fr.name === name));
    if (!known) throw new Error(`${file}.ts: "${key}" is not a frame`);
  }
}
