import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(root, 'examples/nas/README.md'), 'utf8');

/** A Markdown table row's cells, trimmed (the README's are padded by prettier, compare.mjs's are not). */
const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/**
 * Each command of the README that only tabulates kept rows (compare.mjs --algos ''), with the table that follows its
 * code block (before the next heading or code block), if any.
 */
function rowsCommands(): { command: string[]; table: string[][] }[] {
  const found: { command: string[]; table: string[][] }[] = [];
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```\n/g)];
  for (const b of blocks) {
    const joined = b[1].replace(/\\\n\s*/g, ' ');
    const after = readme.slice(b.index + b[0].length).split(/\n(?=#|```)/)[0];
    const table = after
      .split('\n')
      .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
      .slice(1)
      .map(cells);
    for (const line of joined.split('\n'))
      if (line.includes('compare.mjs') && line.includes("--algos ''"))
        found.push({ command: line.trim().replace("--algos ''", '--algos=').split(/\s+/).slice(1), table });
  }
  return found;
}

describe('examples/nas/README.md: every table rebuilt from the kept rows', () => {
  const commands = rowsCommands();
  it('finds the README commands that tabulate kept rows', () => {
    assert.ok(commands.length >= 6, `${commands.length} commands`);
  });
  for (const { command, table } of commands)
    it(command.slice(1).join(' ').slice(0, 120), async () => {
      const { stdout } = await promisify(execFile)(process.execPath, command, { cwd: root });
      const printed = new Map(
        stdout
          .split('\n')
          .filter((l) => l.startsWith('| ') && !l.startsWith('| sampler'))
          .map((l) => [cells(l)[0], cells(l)]),
      );
      for (const row of table) {
        if (!printed.has(row[0])) continue; // a README table of another shape (e.g. a summary across tables)
        assert.deepEqual(row, printed.get(row[0]), `the README's ${row[0]} row`);
      }
      if (table.length && table[0].length === 7)
        assert.ok(
          table.some((row) => printed.has(row[0])),
          'the table after the command is the one it prints',
        );
    });
});
