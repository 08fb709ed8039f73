/**
 * The orchestration engine as the extension loads it: a bundle of its own (dist/engine.js),
 * read at the first run rather than at activation, which stays light.
 */
export { AGENTS, runAgent } from '../agents';
export { Engine } from '../core/engine';
export { createEngineDeps } from '../core/wiring';
