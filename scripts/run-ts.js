#!/usr/bin/env node
/**
 * Fast TypeScript runner for the synth: esbuild bundles the entry point and the project's
 * own TypeScript into one CommonJS file in memory (packages stay external `require`s),
 * which then runs in this process. Much quicker to start than ts-node (no type-check:
 * `npm test` type-checks) and than a per-file loader.
 *
 * The bundle is cached in node_modules/.cache/run-ts/, keyed by the entry point and
 * checked against the size and mtime of every file esbuild read (plus tsconfig.json,
 * package.json and the esbuild version): any change rebuilds it.
 * Usage: node scripts/run-ts.js <entry.ts> [args...]
 */
const { buildSync, version: esbuildVersion } = require('esbuild');
const { createHash } = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const root = path.resolve(__dirname, '..');
const entry = path.resolve(process.argv[2]);
const cacheDir = path.join(root, 'node_modules', '.cache', 'run-ts');
const cacheFile = path.join(cacheDir, `${createHash('sha256').update(entry).digest('hex').slice(0, 16)}.json`);

function stamp(file) {
  try {
    const st = fs.statSync(path.resolve(root, file));
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function cached() {
  try {
    const c = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    if (c.esbuild !== esbuildVersion) return undefined;
    for (const [file, s] of Object.entries(c.inputs)) if (stamp(file) !== s) return undefined;
    return c.code;
  } catch {
    return undefined;
  }
}

function build() {
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const code = result.outputFiles[0].text;
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), 'tsconfig.json', 'package.json']) inputs[file] = stamp(file);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ esbuild: esbuildVersion, inputs, code }));
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A read-only node_modules only costs the cache.
  }
  return code;
}

const code = cached() ?? build();
const mod = new Module(entry, module);
mod.filename = entry;
mod.paths = Module._nodeModulePaths(path.dirname(entry));
process.argv.splice(1, 1);
mod._compile(code, entry);
