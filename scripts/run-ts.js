#!/usr/bin/env node
/**
 * Fast TypeScript runner for the synth: esbuild bundles the entry point and the project's
 * own TypeScript into one CommonJS file in memory (packages stay external `require`s),
 * which then runs in this process. Much quicker to start than ts-node (no type-check:
 * `npm test` type-checks) and than a per-file loader.
 * Usage: node scripts/run-ts.js <entry.ts> [args...]
 */
const { buildSync } = require('esbuild');
const Module = require('module');
const path = require('path');


const entry = path.resolve(process.argv[2]);
const result = buildSync({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: false,
  write: false,
  logLevel: 'error',
});
const code = result.outputFiles[0].text;
const mod = new Module(entry, module);
mod.filename = entry;
mod.paths = Module._nodeModulePaths(path.dirname(entry));
process.argv.splice(1, 1);
mod._compile(code, entry);
