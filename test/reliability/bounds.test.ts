import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { createStudy } from '../../src/study/study.js';
import { MAX_ATTRS_JSON, MAX_MESSAGE, MAX_STRING } from '../../src/trial/bounds.js';

const dir = mkdtempSync(join(tmpdir(), 'parzen-bounds-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HUGE = 5_000_000;

describe('stored sizes are bounded', () => {
  it('a huge returned string, error message and attrs are cut to their bounds, keeping the head and saying how much was cut', async () => {
    const storage = new SqliteStorage(join(dir, 'b.db'));
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, storage, name: 'b' });
    await study.optimize(
      (_c, ctx) => {
        const k = ctx.trial % 4;
        if (k === 0) return 'A'.repeat(HUGE);
        if (k === 1) throw new Error(`B${'b'.repeat(HUGE)}`);
        if (k === 2) return { value: 1, log: `C${'c'.repeat(HUGE)}` };
        return { value: 2, many: Array.from({ length: 200 }, (_, i) => `${i}`.repeat(5000)) };
      },
      { nTrials: 4 },
    );
    await storage.close();
    const again = new SqliteStorage(join(dir, 'b.db'));
    const rec = await again.getStudy('b');
    const [a, b, c, d] = await again.trials(rec!.id);
    await again.close();
    assert.equal(a.state, 'fail');
    assert.ok(a.failMessage!.length < MAX_MESSAGE + 100, `${a.failMessage!.length}`);
    assert.match(a.failMessage!, /^objective returned "AAAA/);
    assert.match(a.failMessage!, /… \[\d+ more characters cut\]$/);
    assert.ok(b.failMessage!.startsWith('Bbbb') && b.failMessage!.endsWith(`… [${HUGE + 1 - MAX_MESSAGE} more characters cut]`));
    assert.equal(c.state, 'complete');
    const log = c.attrs.log as string;
    assert.ok(log.startsWith('Cccc') && log.endsWith(`… [${HUGE + 1 - MAX_STRING} more characters cut]`));
    assert.equal(d.state, 'complete');
    assert.equal(d.value, 2);
    assert.ok(JSON.stringify(d.attrs).length < MAX_ATTRS_JSON);
    assert.match(d.attrs.attrsCut as string, /^attrs of \d+ characters of JSON exceed 262144/);
    assert.ok((d.attrs.head as string).startsWith('{"many":["00000'));
  });
});
