/**
 * Human review mode with hunk granularity, end to end: real git, the real kernel built and
 * tested in QEMU, the real Anthropic SDK against the scripted server. The user accepts a new
 * file and one hunk of a changed file and rejects the other hunk with a comment: the integration
 * branch gets exactly the accepted part, the developer hears about the rejected hunk, redoes it,
 * and the second review accepts everything.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReviewDecision } from '../../src/core/engineDeps';
import { RunLog } from '../../src/core/runLog';
import { displayPath, parseUnifiedDiff, patchOf } from '../../src/vscode/review/unifiedDiff';
import type { MockRequest, ScriptedReply } from '../support/mockLlmServer';
import {
  approve, architectNothing, call, featureFile, gitIn, kernelScenario, makeEngine, merge, plan,
  promptOf, REPO_ROOT, roleOf, submit, testerReport, turnOf,
} from './support/scenario';

const SPEC = 'kernel_spec/README.md';
const REJECTED_COMMENT = 'leave the acceptance paragraph alone';

describe('human review of a change, hunk by hunk (real git, QEMU, scripted agents)', function () {
  this.timeout(600_000);
  const s = kernelScenario();

  it('merges the accepted hunks, sends the rejected one with its comment back to the developer', async () => {
    const spec = readFileSync(join(REPO_ROOT, SPEC), 'utf8').split('\n');
    const top = ['# AUTON kernel specification (reviewed)', ...spec.slice(1)];
    const firstTry = [...top.slice(0, -1), 'A note the user does not want.', ''].join('\n');
    const secondTry = [...top.slice(0, -1), 'A note the user asked for instead.', ''].join('\n');
    const feature = featureFile('spec-note');

    s.server.setScript((req: MockRequest): ScriptedReply => {
      switch (roleOf(req)) {
        case 'manager': return plan([{ id: 'spec-note' }]);
        case 'architect': return architectNothing();
        case 'reviewer': return approve();
        case 'tester': return testerReport();
        case 'integrator': return merge();
        case 'developer': {
          const redo = promptOf(req).includes(REJECTED_COMMENT);
          const steps = redo
            ? [call('write_file', { path: SPEC, content: secondTry })]
            : [call('write_file', feature), call('write_file', { path: SPEC, content: firstTry })];
          const turn = turnOf(req);
          if (turn < steps.length) return steps[turn]!;
          if (turn === steps.length) return call('kernel_test', { arch: 'riscv64', filter: 'spec_note' });
          return submit({ summary: redo ? 'the note the user asked for' : 'feature and a spec note', files: [SPEC], tests: ['spec_note_works'], verified: ['riscv64'] });
        }
      }
    });

    const diffs: string[] = [];
    const decide = (diff: string): ReviewDecision => {
      diffs.push(diff);
      const files = parseUnifiedDiff(diff);
      if (diffs.length > 1) return { accept: true };
      // First review: accept the new file and the title hunk; reject the last hunk of the spec.
      const specIndex = files.findIndex((f) => displayPath(f) === SPEC);
      const specHunks = files[specIndex]?.hunks ?? [];
      assert.equal(specHunks.length, 2, `two hunks in ${SPEC}:\n${diff}`);
      const last = specHunks[1]!;
      return {
        accept: true,
        patch: patchOf(files, { fileAccepted: () => true, hunkAccepted: (f, h) => !(f === specIndex && h === 1) }),
        rejected: [{ file: SPEC, hunkHeader: last.header, comment: REJECTED_COMMENT, text: last.lines.join('\n') }],
      };
    };

    const progress: string[] = [];
    const engine = await makeEngine(s.repo, { url: s.server.url, progress, reviewMode: 'human', awaitDecision: (_run, _task, diff) => Promise.resolve(decide(diff)) });
    const out = await engine.run('note the review in the spec');
    assert.equal(out.status, 'succeeded', `${out.reason}\n${progress.join('\n')}`);
    assert.equal(diffs.length, 2, 'the user was asked twice');
    assert.deepEqual(parseUnifiedDiff(diffs[0]!).map(displayPath).sort(), [feature.path, SPEC].sort());

    const integration = `auton/${out.runId}/integration`;
    const log = gitIn(s.repo.root, 'log', '--format=%s', integration);
    assert.match(log, /merge spec-note in part: the hunks the user accepted \(1 rejected\)/);
    const finalSpec = gitIn(s.repo.root, 'show', `${integration}:${SPEC}`);
    assert.match(finalSpec, /^# AUTON kernel specification \(reviewed\)/);
    assert.match(finalSpec, /A note the user asked for instead\./);
    assert.doesNotMatch(finalSpec, /does not want/);
    // The commit right after the partial merge had the accepted hunks only.
    const partial = gitIn(s.repo.root, 'log', '--format=%H', '--grep', 'in part', integration);
    const partialSpec = gitIn(s.repo.root, 'show', `${partial}:${SPEC}`);
    assert.match(partialSpec, /\(reviewed\)/);
    assert.doesNotMatch(partialSpec, /A note the user/);
    assert.match(gitIn(s.repo.root, 'show', `${partial}:${feature.path}`), /spec_note_works/);

    // The developer's second assignment carried the rejected hunk and the comment.
    const redoPrompts = s.server.requests.filter((r) => roleOf(r) === 'developer' && turnOf(r) === 0).map(promptOf).filter((p) => p.includes(REJECTED_COMMENT));
    assert.equal(redoPrompts.length, 1);
    assert.match(redoPrompts[0]!, /They rejected the hunks below/);
    assert.match(redoPrompts[0]!, /\+A note the user does not want\./);

    const events = new RunLog(s.repo.root, out.runId).read();
    const decisions = events.filter((e) => e.type === 'decision');
    assert.deepEqual(decisions.map((e) => (e.rejected as unknown[]).length), [1, 0]);
    assert.ok(events.some((e) => e.type === 'integration.good' && e.partial === true));
    // The full suite ran on the accepted part alone before it became the good commit.
    assert.ok(events.some((e) => e.type === 'gate' && e.gate === 'decision' && e.ok === true));
  });
});
