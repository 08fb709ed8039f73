import assert from 'node:assert/strict';
import { readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMessages, runMessagesDir, sendMessage, type AgentMessage } from '../../../src/tools/messages';
import { runTool } from '../../../src/tools/registry';
import { context, removeDir, scratchDir } from './helpers';

describe('message tools', () => {
  let root: string;
  let messagesDir: string;
  beforeEach(() => {
    root = scratchDir('messages');
    messagesDir = runMessagesDir(root, 'run1');
  });
  afterEach(() => removeDir(root));

  it('keeps a run\'s messages under .auton/runs/<run>/messages', () => {
    assert.equal(runMessagesDir('/repo', 'r7'), '/repo/.auton/runs/r7/messages');
  });

  it('sends to a role or a task as JSONL with sender and time, and each reads its own', async () => {
    const reviewer = context(root, 'reviewer', { taskId: 'review-mm', messagesDir });
    const sent = await runTool('send_message', { to: 'mm-frames', subject: 'frame_alloc', body: 'frame_alloc leaks on the error path' }, reviewer);
    assert.equal(sent.ok, true, sent.output);
    assert.match(sent.output, /^sent to mm-frames at \d{4}-\d\d-\d\dT/);
    await runTool('send_message', { to: 'architect', body: 'is paddr_t 64-bit on every arch?' }, context(root, 'developer', { taskId: 'mm-frames', messagesDir }));
    await runTool('send_message', { to: 'all', body: 'integration branch moved' }, context(root, 'integrator', { taskId: 'merge', messagesDir }));

    const line = JSON.parse(readFileSync(join(messagesDir, 'mm-frames.jsonl'), 'utf8').trim()) as AgentMessage;
    assert.deepEqual(line.from, { role: 'reviewer', taskId: 'review-mm' });
    assert.equal(line.to, 'mm-frames');
    assert.equal(line.subject, 'frame_alloc');

    const developer = context(root, 'developer', { taskId: 'mm-frames', messagesDir });
    const inbox = await runTool('read_messages', {}, developer);
    assert.equal(inbox.ok, true, inbox.output);
    assert.match(inbox.output, /^\[\S+\] from reviewer \(task review-mm\) to mm-frames: frame_alloc\nframe_alloc leaks on the error path\n\n\[\S+\] from integrator \(task merge\) to all\nintegration branch moved$/);
    const architect = await runTool('read_messages', {}, context(root, 'architect', { taskId: 'hal', messagesDir }));
    assert.match(architect.output, /is paddr_t 64-bit on every arch\?/);
    assert.doesNotMatch(architect.output, /leaks/);
  });

  it('reads only messages after `since`, skips torn lines, and keeps the latest within the limit', () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    for (let i = 0; i < 5; i++) sendMessage(messagesDir, { from: { role: 'manager', taskId: 'plan' }, to: 'developer', body: `m${i}` }, t(i));
    appendFileSync(join(messagesDir, 'developer.jsonl'), '{"id": "torn", "at": "2026');
    assert.deepEqual(readMessages(messagesDir, ['developer']).map((m) => m.body), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(readMessages(messagesDir, ['developer'], t(2).toISOString()).map((m) => m.body), ['m3', 'm4']);
  });

  it('says how many older messages the limit left out', async () => {
    for (let i = 0; i < 4; i++) sendMessage(messagesDir, { from: { role: 'manager', taskId: 'plan' }, to: 'task1', body: `m${i}` });
    const result = await runTool('read_messages', { limit: 2 }, context(root, 'developer', { messagesDir }));
    assert.match(result.output, /^\[2 older messages not shown\]\n/);
    assert.match(result.output, /m3$/);
  });

  it('refuses recipients that are not names, and works only inside a run', async () => {
    const ctx = context(root, 'developer', { messagesDir });
    for (const to of ['../escape', 'a/b', '', '.hidden']) {
      const result = await runTool('send_message', { to, body: 'x' }, ctx);
      assert.equal(result.ok, false, to);
      assert.match(result.output, /is not a recipient: give a role id/, to);
    }
    const noRun = await runTool('send_message', { to: 'architect', body: 'x' }, context(root));
    assert.match(noRun.output, /messages are not available in this session/);
    assert.match((await runTool('read_messages', { since: 'yesterday' }, ctx)).output, /invalid input for read_messages/);
  });
});
