/**
 * Words and phrases that say the same thing in a request, for rewording training requests
 * (augment.ts): "bounce nginx" is "restart nginx", "get rid of vlc" is "uninstall vlc". The
 * templates tie each action to a few verbs; people use many more, and a small model only
 * learns the ones it sees next to the action.
 *
 * Groups hold per intent, because the same word means different things in different intents
 * ("remove" an application is APP_INSTALL, "remove" a user is SYSTEM_MANAGE): a template of
 * an intent is reworded only with that intent's groups and the common ones. Within a group every
 * member must fit wherever another does in that intent's templates (same part of speech, same
 * object), so that the frame's answer, computed from the slots, stays right.
 *
 * Written from general usage, without looking at any evaluation set.
 */
import type { Intent } from '../types';

export type SynonymGroups = readonly (readonly string[])[];

/** Groups every intent may use. */
const COMMON: SynonymGroups = [
  ['computer', 'machine', 'box', 'pc', 'laptop'],
  ['please', 'pls', 'plz'],
  ['how do i', 'how can i', 'how would i', 'what do i do to'],
  ["can't", 'cannot', 'can not', 'cant'],
  ["doesn't", 'does not', 'dont', "won't", 'will not'],
  ['quickly', 'fast', 'right away', 'asap'],
];

export const SYNONYMS: Readonly<Record<Intent, SynonymGroups>> = {
  HARDWARE_IDENTIFY: [
    ['what is', "what's", 'whats', 'identify', 'which device is', 'what kind of device is', 'tell me about'],
    ['device', 'component', 'chip', 'piece of hardware', 'part'],
    ['devices', 'hardware', 'components', 'parts'],
    ['vendor', 'manufacturer', 'maker', 'company', 'brand'],
    ['list', 'show', 'enumerate', 'display', 'give me', 'print'],
    ['who makes', 'who made', 'who manufactures', 'which company makes'],
  ],
  DRIVER_SELECT: [
    ['driver', 'module', 'kernel module', 'kernel driver', 'kmod'],
    ['drivers', 'modules', 'kernel modules'],
    ['need', 'require', 'want', 'take', 'use'],
    ['needs', 'requires', 'wants', 'takes', 'uses'],
    ['load', 'insert', 'modprobe', 'bind', 'attach'],
    ['which', 'what'],
    ['handles', 'drives', 'supports', 'runs', 'works with'],
  ],
  INSTALL_CONFIGURE: [
    ['set', 'change', 'switch', 'configure', 'make', 'adjust'],
    ['timezone', 'time zone', 'tz', 'clock zone'],
    ['language', 'system language', 'display language', 'ui language'],
    ['keyboard layout', 'keymap', 'key map', 'keyboard mapping', 'keyboard'],
    ['hostname', 'host name', 'machine name', 'computer name', 'network name'],
    ['swap', 'swap space', 'swapfile', 'swap file', 'paging file'],
    ['mount', 'attach', 'hook up', 'mount up'],
    ['format', 'reformat', 'wipe and format', 'initialize'],
    ['firewall', 'fw', 'ufw', 'packet filter'],
    ['open', 'allow', 'unblock', 'permit', 'let through'],
    ['connect', 'join', 'hook up', 'link up'],
    ['wifi', 'wi-fi', 'wireless', 'wlan', 'wireless network'],
    ['install', 'set up', 'deploy'],
    ['operating system', 'os', 'system', 'auton'],
    ['dns server', 'name server', 'nameserver', 'resolver', 'dns'],
    ['ip address', 'ip', 'address', 'ipv4 address'],
    ['automatically', 'on its own', 'without a password', 'by itself'],
    ['synchronization', 'sync', 'syncing', 'synchronisation'],
  ],
  APP_INSTALL: [
    ['install', 'get', 'download', 'add', 'grab', 'fetch', 'set up', 'pull down'],
    ['uninstall', 'remove', 'delete', 'get rid of', 'purge', 'drop', 'take off', 'throw out'],
    ['update', 'upgrade', 'refresh', 'bring up to date', 'patch'],
    ['reinstall', 're-install', 'install again'],
    ['app', 'application', 'program', 'software', 'tool', 'package', 'utility', 'piece of software'],
    ['apps', 'applications', 'programs', 'packages', 'tools', 'software'],
    ['version', 'release', 'build'],
    ['find', 'search for', 'look for', 'recommend', 'suggest', 'dig up'],
    ['installed', 'on this machine', 'on the system', 'present'],
  ],
  SYSTEM_MANAGE: [
    ['restart', 'bounce', 'relaunch', 'reload', 'cycle', 'kick'],
    ['start', 'launch', 'bring up', 'fire up', 'spin up'],
    ['stop', 'halt', 'bring down', 'shut off', 'take down'],
    ['enable', 'turn on', 'activate', 'switch on'],
    ['disable', 'deactivate', 'switch off', 'turn off'],
    ['running', 'alive', 'active', 'working'],
    ['user', 'account', 'user account', 'login'],
    ['create', 'add', 'make', 'set up'],
    ['delete', 'remove', 'get rid of', 'drop', 'erase'],
    ['password', 'passwd', 'passphrase', 'login password'],
    ['show', 'display', 'list', 'print', 'give me', 'let me see'],
    ['processes', 'tasks', 'jobs', 'procs'],
    ['kill', 'terminate', 'end', 'force quit', 'nuke', 'force-close'],
    ['disk space', 'storage', 'drive space', 'space on disk', 'room on disk'],
    ['memory', 'ram', 'main memory'],
    ['logs', 'journal', 'log output', 'log messages'],
    ['reboot', 'restart', 'reset', 'power cycle'],
    ['shut down', 'power off', 'power down', 'switch off', 'turn off'],
    ['at boot', 'on startup', 'at startup', 'on boot', 'when the machine starts'],
    ['group', 'unix group'],
  ],
  TROUBLESHOOT: [
    ['not working', 'broken', 'dead', 'acting up', 'busted', 'messed up', 'not responding', 'misbehaving', 'on the fritz'],
    ["doesn't work", 'does not work', "won't work", 'stopped working', 'quit working', 'no longer works'],
    ['crashes', 'keeps crashing', 'dies', 'segfaults', 'keeps closing', 'quits', 'falls over', 'blows up'],
    ['fails', 'refuses', 'keeps failing', 'is failing'],
    ['slow', 'sluggish', 'laggy', 'crawling', 'super slow', 'really slow', 'unresponsive'],
    ['error', 'problem', 'issue', 'fault', 'failure'],
    ['errors', 'problems', 'issues', 'failures'],
    ['full', 'out of space', 'at 100%', 'maxed out'],
    ['no sound', 'no audio', 'sound is gone', 'audio is dead'],
    ['black', 'blank', 'dark', 'empty'],
    ['recognized', 'detected', 'seen', 'showing up', 'found'],
    ['internet', 'network', 'connectivity', 'connection'],
    ['help', 'fix', 'sort out', 'solve', 'troubleshoot'],
  ],
};

/** A template word or phrase outside slots: whole words, never inside {slot}. */
function phrasePattern(phrase: string): string {
  return phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
}

interface Compiled {
  pattern: RegExp;
  groupOf: Map<string, readonly string[]>;
}

const compiled = new Map<Intent, Compiled>();

/** One alternation over all phrases of an intent, longest first ("get rid of" before "get"). */
export function synonymsFor(intent: Intent): Compiled {
  let c = compiled.get(intent);
  if (c !== undefined) return c;
  if (compiled.size === 0) checkSynonyms();
  const groupOf = new Map<string, readonly string[]>();
  for (const group of [...SYNONYMS[intent], ...COMMON]) {
    for (const phrase of group) if (!groupOf.has(phrase)) groupOf.set(phrase, group);
  }
  const phrases = [...groupOf.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![{\\w'-])(?:${phrases.map(phrasePattern).join('|')})(?![\\w}'-])`, 'g');
  c = { pattern, groupOf };
  compiled.set(intent, c);
  return c;
}

/** Checks the table: no empty or one-member groups, no duplicates within a group, lower case. */
export function checkSynonyms(): void {
  for (const [name, groups] of [...Object.entries(SYNONYMS), ['COMMON', COMMON] as const]) {
    for (const group of groups) {
      if (group.length < 2) throw new Error(`synonyms.ts: a ${name} group needs two or more members: ${JSON.stringify(group)}`);
      if (new Set(group).size !== group.length) throw new Error(`synonyms.ts: a ${name} group repeats a member: ${JSON.stringify(group)}`);
      for (const p of group) if (p !== p.toLowerCase() || p.trim() !== p) throw new Error(`synonyms.ts: "${p}" (${name}) must be lower case and trimmed`);
    }
  }
}
