/** Entry point of a training worker thread (bundled as dist/slm-worker.js). */
import { parentPort, workerData } from 'node:worker_threads';
import { serveGradients } from './pool';

if (!parentPort) throw new Error('slm-worker runs as a worker thread of "auton slm train", not on its own');
serveGradients(parentPort, workerData as Parameters<typeof serveGradients>[1]);
