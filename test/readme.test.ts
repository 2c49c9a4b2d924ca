import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseSpaceJson } from '../src/space/json.js';

// Every code block of README.md runs here, in a scratch project that depends on this tree as `parzen-hpo`, in the
// order the README shows them (later blocks use the files and studies of earlier ones). Each block is preceded by
// a marker saying how it is tested:
//   <!-- test: run -->             js: run with node; sh: run with bash -e (npx parzen is this tree's CLI)
//   <!-- test: file NAME -->       written to NAME in the project (the quick start's objective, a JSON space)
//   <!-- test: compile -->         ts: compiled by tsc, strict
//   <!-- test: mirrored by FILE "TITLE" -->   a test in FILE whose title contains TITLE covers it
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Block {
  readonly lang: string;
  readonly code: string;
  readonly marker: string;
  readonly section: string;
  readonly line: number;
}

export function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#')) section = lines[i].replace(/^#+\s*/, '');
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    assert.ok(end > i, `README.md:${i + 1}: unterminated code block`);
    const marker = /^<!-- test: (.*) -->$/.exec(lines[i - 1] ?? '')?.[1] ?? '';
    blocks.push({ lang: open[1], code: lines.slice(i + 1, end).join('\n') + '\n', marker, section, line: i + 1 });
    i = end;
  }
  return blocks;
}

const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const project = mkdtempSync(join(tmpdir(), 'parzen-readme-'));
after(() => rmSync(project, { recursive: true, force: true }));

function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: project, timeout: 300_000, maxBuffer: 64 << 20, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
}

describe('README.md code blocks', () => {
  before(() => {
    mkdirSync(join(project, 'node_modules/.bin'), { recursive: true });
    mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
    symlinkSync(root, join(project, 'node_modules/parzen-hpo'), 'dir');
    symlinkSync(join(root, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'), 'dir');
    symlinkSync(join(root, 'dist/src/cli/main.js'), join(project, 'node_modules/.bin/parzen'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-user', private: true, type: 'module' }));
  });

  it('every block says how it is tested', () => {
    const unmarked = blocks.filter((b) => !/^(run|compile|file \S+|mirrored by \S+ ".+")$/.test(b.marker));
    assert.deepEqual(
      unmarked.map((b) => `README.md:${b.line} (${b.section})`),
      [],
    );
  });

  blocks.forEach((b, k) => {
    it(`${b.section}: the ${b.lang} block at line ${b.line} (${b.marker})`, async () => {
      const mirror = /^mirrored by (\S+) "(.+)"$/.exec(b.marker);
      if (mirror) {
        const file = join(root, mirror[1]);
        assert.ok(existsSync(file), `${mirror[1]} does not exist`);
        assert.ok(readFileSync(file, 'utf8').includes(mirror[2]), `${mirror[1]} has no test titled "${mirror[2]}"`);
        return;
      }
      const file = /^file (\S+)$/.exec(b.marker)?.[1];
      if (file) {
        writeFileSync(join(project, file), b.code);
        if (b.lang === 'json') parseSpaceJson(JSON.parse(b.code), file);
        if (b.lang === 'js') assert.equal((await sh(process.execPath, ['--check', file])).code, 0);
        return;
      }
      if (b.marker === 'compile') {
        assert.equal(b.lang, 'ts');
        const name = `block-${k}.ts`;
        writeFileSync(join(project, name), b.code);
        const options = {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          skipLibCheck: true,
        };
        writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: [name] }));
        const r = await sh(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
        assert.equal(r.code, 0, r.out);
        return;
      }
      if (b.lang === 'js') {
        const name = `block-${k}.mjs`;
        writeFileSync(join(project, name), b.code);
        const r = await sh(process.execPath, [name]);
        assert.equal(r.code, 0, r.out);
        return;
      }
      assert.equal(b.lang, 'sh', `a ${b.lang} block cannot be run; mark it file or mirrored`);
      const path = `${join(project, 'node_modules/.bin')}:${process.env.PATH ?? ''}`;
      const r = await sh('bash', ['-e', '-o', 'pipefail', '-c', b.code], {
        PATH: path,
        npm_config_yes: 'true',
        npm_config_update_notifier: 'false',
      });
      assert.equal(r.code, 0, r.out);
    });
  });
});
