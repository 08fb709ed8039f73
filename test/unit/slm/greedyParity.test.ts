import { strict as assert } from 'node:assert';
import { compareGreedy, compareGreedyText } from '../../../slm/src/runtime/greedyParity';

// A reference over a 5-token vocabulary: after [.., 1] tokens 2 and 3 nearly tie; elsewhere 4 wins clearly.
const EOS = 0;
function logitsAfter(ids: readonly number[]): Float32Array {
  const l = new Float32Array([1, 1, 1, 1, 9]);
  if (ids.at(-1) === 1) { l[2] = 9.300; l[3] = 9.294; }
  return l;
}
const decode = (ids: readonly number[]) => ids.map((i) => 'abcde'[i]).join('');

describe('greedy parity with near-ties', () => {
  it('accepts identical runs', () => {
    assert.deepEqual(compareGreedy([9], [1, 2, 4], [1, 2, 4], EOS, logitsAfter), { identical: true });
  });
  it('accepts a parting at a near-tie and says where', () => {
    assert.deepEqual(compareGreedy([9], [1, 2, 4], [1, 3, 4], EOS, logitsAfter), { identical: false, tieAt: 1 });
  });
  it('refuses a parting where the logits are far apart', () => {
    const c = compareGreedy([9], [4, 4], [4, 2], EOS, logitsAfter);
    assert.match(c.error ?? '', /part at token 1 \(4 vs 2\).*no near-tie/);
  });
  it('refuses a parting at a tie to a token outside the tie', () => {
    assert.ok(compareGreedy([9], [1, 2], [1, 4], EOS, logitsAfter).error);
  });
  it('compares printed text with the reference ids the same way', () => {
    assert.deepEqual(compareGreedyText('bce', [9], [1, 2, 4], EOS, decode, logitsAfter), { identical: true });
    assert.deepEqual(compareGreedyText('bde', [9], [1, 2, 4], EOS, decode, logitsAfter), { identical: false, tieAt: 1 });
    assert.ok(compareGreedyText('bcc', [9], [1, 2, 4], EOS, decode, logitsAfter).error);
    assert.ok(compareGreedyText('x', [9], [1, 2, 4], EOS, decode, logitsAfter).error);
  });
});
