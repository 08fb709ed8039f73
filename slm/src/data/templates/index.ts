/** All frames, in the order of the INTENTS contract. */
import type { IntentFrames } from '../frames';
import { APP_INSTALL } from './appInstall';
import { DRIVER_SELECT } from './driverSelect';
import { HARDWARE_IDENTIFY } from './hardwareIdentify';
import { INSTALL_CONFIGURE } from './installConfigure';
import { SYSTEM_MANAGE } from './systemManage';
import { TROUBLESHOOT } from './troubleshoot';

export const ALL_FRAMES: readonly IntentFrames[] = [
  HARDWARE_IDENTIFY, DRIVER_SELECT, INSTALL_CONFIGURE, APP_INSTALL, SYSTEM_MANAGE, TROUBLESHOOT,
];
