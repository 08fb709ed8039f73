import { ToolRegistry } from './src/tools/registry';
const reg = new ToolRegistry({ slm: { repoRoot: process.cwd() } });
const ctx = (role: string, taskId = 'x') => ({ root: '/tmp/slmws', runId: 'r', taskId, role, arches: [] });
(async () => {
  let t = Date.now();
  const show = async (name: string, input: unknown, role: string, taskId?: string) => { t = Date.now(); const r = await reg.runTool(name, input, ctx(role, taskId)); console.log(`--- ${name} ${r.ok} ${Date.now()-t}ms\n${r.output}`); return r; };
  await show('slm_data', { action: 'slice', per_intent: 40 }, 'dataScientist');
  await show('slm_train', { variant: 'a', dim: 32, layers: 1, heads: 2, kvHeads: 1, hiddenDim: 64, contextLength: 128, steps: 40, batchSize: 8, lr: 0.01, eval_limit: 60 }, 'training', 'train-a');
  await show('slm_train', { variant: 'b', dim: 1024, layers: 64, hiddenDim: 16384, steps: 40, lr: 0.01 }, 'training', 'train-b');
  await show('slm_train', { variant: 'b', dataset: '../../etc', dim: 32, layers:1, heads:2, kvHeads:1, hiddenDim: 64, contextLength: 128, steps: 40, lr: 0.01 }, 'training', 'train-b');
  await show('slm_eval', { model: 'variants/a/model.ckpt', set: 'paraphrase' }, 'evaluation');
  await show('slm_eval', { model: 'variants/a/model.ckpt', set: 'test', limit: 60 }, 'evaluation');
  await show('slm_quantize', { model: 'variants/a/model.ckpt', type: 'q8_0', eval_limit: 30 }, 'quantization');
  await show('slm_export', { model: 'variants/a/model.ckpt', type: 'q8_0', onnx: true }, 'export');
})();
