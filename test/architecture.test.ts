import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Imports run one way: commands → front ends (discord, local) → app → digest → search → articles →
 * store, time and the shared helpers. A lower layer never imports a higher one, the two front ends never
 * import each other, and nothing below the front ends knows Discord. Composition roots sit on top.
 */
const LAYERS: readonly (readonly string[])[] = [
  [
    'src/time',
    'src/store',
    'src/ops',
    'src/logger.ts',
    'src/jsonCache.ts',
    'src/config.ts',
    'src/environment.ts',
  ],
  ['src/articles', 'src/feeds'],
  ['src/search'],
  ['src/digest'],
  ['src/app'],
  ['src/discord', 'src/local'],
  ['commands'],
  ['src/main.ts', 'src/deploy.ts', 'src/dev.ts'],
];
const PEERS_APART: readonly (readonly [string, string])[] = [['src/discord', 'src/local']];
const DISCORD_PACKAGES = /^(discord\.js|@discordjs\/|discord-api-types)/;
const DISCORD_FREE = [
  'src/time',
  'src/store',
  'src/articles',
  'src/feeds',
  'src/search',
  'src/digest',
  'src/app',
];

const root = path.resolve(import.meta.dirname, '..');

function unitOf(file: string): { unit: string; layer: number } | null {
  for (const [layer, units] of LAYERS.entries()) {
    for (const unit of units) {
      if (file === unit || file.startsWith(`${unit}/`)) return { unit, layer };
    }
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .flatMap((entry) =>
      entry.isFile() && entry.name.endsWith('.ts')
        ? [path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')]
        : [],
    );
}

function importsOf(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g),
  ];
  return specifiers.map((match) => match[1]!);
}

const readSource = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

function violations(files: readonly string[], read: (file: string) => string): string[] {
  const found: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    if (!from) {
      found.push(`${file}: not in any layer; add its folder to LAYERS`);
      continue;
    }
    for (const specifier of importsOf(read(file))) {
      if (!specifier.startsWith('.')) {
        if (DISCORD_PACKAGES.test(specifier) && DISCORD_FREE.includes(from.unit))
          found.push(`${file} imports ${specifier}: only the Discord adapter may`);
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const to = unitOf(target);
      if (!to) continue;
      if (to.layer > from.layer) found.push(`${file} imports ${target}: ${from.unit} is below ${to.unit}`);
      const apart = PEERS_APART.some(
        ([a, b]) => (from.unit === a && to.unit === b) || (from.unit === b && to.unit === a),
      );
      if (apart) found.push(`${file} imports ${target}: ${from.unit} and ${to.unit} are separate front ends`);
    }
  }
  return found;
}

describe('import direction', () => {
  it('GIVEN every source file THEN no folder imports a folder above it', () => {
    expect(violations([...sourceFiles('src'), ...sourceFiles('commands')], readSource)).toEqual([]);
  });

  it('GIVEN back-imports and Discord below the adapter THEN the check reports each', () => {
    const files: Record<string, string> = {
      'src/store/sqliteStore.ts': "import { nextDueAt } from '../digest/schedule.ts';",
      'src/discord/dispatcher.ts': "import { commands } from '../../commands/index.ts';",
      'src/local/terminal.ts': "const { renderNotice } = await import('../discord/render.ts');",
      'src/digest/runner.ts': "import { REST } from '@discordjs/rest';",
      'src/app/verbs.ts': "import type { Library } from '../search/library.ts';",
    };
    expect(violations(Object.keys(files), (file) => files[file]!)).toEqual([
      'src/store/sqliteStore.ts imports src/digest/schedule.ts: src/store is below src/digest',
      'src/discord/dispatcher.ts imports commands/index.ts: src/discord is below commands',
      'src/local/terminal.ts imports src/discord/render.ts: src/local and src/discord are separate front ends',
      'src/digest/runner.ts imports @discordjs/rest: only the Discord adapter may',
    ]);
  });
});
