/** All frames, in the order of the INTENTS contract; each frame's templates plus its VARIETY and CONTRAST ones. */
import type { IntentFrames } from '../frames';
import { APP_INSTALL } from './appInstall';
import { DRIVER_SELECT } from './driverSelect';
import { HARDWARE_IDENTIFY } from './hardwareIdentify';
import { INSTALL_CONFIGURE } from './installConfigure';
import { SYSTEM_MANAGE } from './systemManage';
import { TROUBLESHOOT } from './troubleshoot';
import { CONTRAST } from './contrast';
import { VARIETY } from './variety';

const withVariety = ({ intent, frames }: IntentFrames): IntentFrames => ({
  intent,
  frames: frames.map((f) => ({ ...f, templates: [
    ...f.templates, ...(VARIETY[`${intent}/${f.name}`] ?? []), ...(CONTRAST[`${intent}/${f.name}`] ?? []),
  ] })),
});

export const ALL_FRAMES: readonly IntentFrames[] = [
  HARDWARE_IDENTIFY, DRIVER_SELECT, INSTALL_CONFIGURE, APP_INSTALL, SYSTEM_MANAGE, TROUBLESHOOT,
].map(withVariety);

/** Every VARIETY and CONTRAST key names a frame (a typo there would silently drop its templates). */
for (const [file, extra] of [['variety', VARIETY], ['contrast', CONTRAST]] as const) {
  for (const key of Object.keys(extra)) {
    const [intent, name] = key.split('/');
    const known = ALL_FRAMES.some((f) => f.intent === intent && f.frames.some((fr) => fr.name === name));
    if (!known) throw new Error(`templates/${file}.ts: "${key}" is not a frame`);
  }
}
