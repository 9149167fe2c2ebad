#!/usr/bin/env node
/**
 * Fast TypeScript runner for the synth (and the e2e scripts): esbuild bundles the entry
 * point, the project's TypeScript and the JavaScript packages it uses into one CommonJS file,
 * which then runs in this process. Much quicker to start than ts-node (no type-check:
 * `npm test` type-checks) and than a per-file loader.
 *
 * Start-up is most of a synth's cost, so the bundle is cached:
 * - the bundle itself in node_modules/.cache/run-ts/<key>.js, keyed by the entry point and
 *   checked against the size and mtime of every file esbuild read (node_modules included,
 *   plus tsconfig.json, package.json and the esbuild version): any change rebuilds it;
 * - V8's code cache of that bundle beside it (<key>.v8), written after a run, so the next
 *   run does not parse and compile the 3 MB again. V8 checks it against the source and its
 *   own version and flags it as rejected when it does not match; it is then rewritten.
 * Packages are bundled too: resolving and reading some 500 small files through Node's
 * module loader costs more than the synth itself. Packages that cannot be bundled (native
 * code, files read relative to their own folder) go in EXTERNAL.
 * Usage: node scripts/run-ts.js <entry.ts> [args...]   (RUN_TS_DEBUG=1: say what came from the cache)
 */
const { createHash } = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const root = path.resolve(__dirname, '..');
const entry = path.resolve(process.argv[2]);
const cacheDir = path.join(root, 'node_modules', '.cache', 'run-ts');
const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
const cacheFile = path.join(cacheDir, `${key}.json`);
const codeFile = path.join(cacheDir, `${key}.js`);
const v8File = path.join(cacheDir, `${key}.v8`);

/** Bumped when the cache's layout changes; the stamp of the bundle ties the index to it. */
const CACHE_FORMAT = 2;

/** Left to Node's loader: esbuild's own binary-backed API (used by the e2e's transform). */
const EXTERNAL = ['esbuild', 'fsevents'];

function esbuildVersion() {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
}

function stamp(file) {
  try {
    const st = fs.statSync(path.resolve(root, file));
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** The cached bundle if every input is unchanged. */
function cached() {
  try {
    const c = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    if (c.format !== CACHE_FORMAT || c.esbuild !== esbuildVersion() || stamp(codeFile) !== c.bundle) return undefined;
    for (const [file, s] of Object.entries(c.inputs)) if (stamp(file) !== s) return undefined;
    return fs.readFileSync(codeFile, 'utf8');
  } catch {
    return undefined;
  }
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function build() {
  const { buildSync } = require('esbuild');
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const code = result.outputFiles[0].text;
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), 'tsconfig.json', 'package.json']) inputs[file] = stamp(file);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.rmSync(v8File, { force: true });
    writeAtomic(codeFile, code);
    writeAtomic(cacheFile, JSON.stringify({ format: CACHE_FORMAT, esbuild: esbuildVersion(), bundle: stamp(codeFile), inputs }));
  } catch {
    // A read-only node_modules only costs the cache.
  }
  return code;
}

const cachedCode = cached();
const fromCache = cachedCode !== undefined;
const code = cachedCode ?? build();
let cachedData;
try {
  cachedData = fs.readFileSync(v8File);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(code), { filename: entry, cachedData });
if (process.env.RUN_TS_DEBUG) {
  const state = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  process.stderr.write(`run-ts: bundle ${fromCache ? 'cached' : 'built'}, code cache ${state}\n`);
}
if (cachedData === undefined || script.cachedDataRejected) {
  // After the run, when the functions the synth used have been compiled too.
  process.once('exit', () => {
    try {
      writeAtomic(v8File, script.createCachedData());
    } catch {
      // As above: no cache, same result.
    }
  });
}

const mod = new Module(entry, module);
mod.filename = entry;
mod.paths = Module._nodeModulePaths(path.dirname(entry));
process.argv.splice(1, 1);
const wrapper = script.runInThisContext();
const requireFn = Module.createRequire(entry);
wrapper.call(mod.exports, mod.exports, requireFn, mod, entry, path.dirname(entry));
