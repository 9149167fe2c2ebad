#!/usr/bin/env node
/**
 * `npm run test:example`: the library as a user gets it, in a project made from the cdk8s CLI's
 * `typescript-app` template (examples/cdk8s-app). Steps, each must succeed:
 *
 *  1. examples/cdk8s-app still is that template as it is: its tsconfig.json, cdk8s.yaml,
 *     jest.config.js, .gitignore and package.json equal the template of the cdk8s-cli version in
 *     node_modules, placeholders filled as `cdk8s init` fills them (package.json may only add the
 *     observability-stack dependency);
 *  2. `npm pack` (its prepack builds the package) gives the tarball; `npm publish --dry-run`
 *     reports no problem with the package;
 *  3. a copy of the example, with the tarball, is installed from the registry like `cdk8s init`
 *     installs (npm install, no lockfile);
 *  4. in it: `npm run compile` (the template's tsc, no skipLibCheck; with the README's library
 *     example beside main.ts as readme-example.ts, compiled, not run), `node main.js`,
 *     `npm test` (the template's jest + ts-jest), `cdk8s synth` (the template's ts-node) and
 *     `cdk8s synth --output DIR`; the manifests hold the sidecar, the user's rule group and the
 *     SLO rules of the Sloth spec.
 *
 * Usage: node scripts/test-example.js [--keep]   (--keep: leave the temporary project)
 */
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const example = path.join(root, 'examples', 'cdk8s-app');
const cliRoot = path.dirname(require.resolve('cdk8s-cli/package.json', { paths: [root] }));
const templateDir = path.join(cliRoot, 'templates', 'typescript-app');
const keep = process.argv.includes('--keep');

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function run(cmd, args, cwd, options = {}) {
  process.stdout.write(`$ ${[cmd, ...args].join(' ')}   (in ${path.relative(root, cwd) || '.'})\n`);
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...options.env } });
  if (res.status !== 0) {
    process.stdout.write(res.stdout ?? '');
    process.stderr.write(res.stderr ?? '');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`);
  }
  return res;
}

/** The template's placeholder values, resolved as cdk8s-cli's `init` resolves them. */
function templateValues(base) {
  const fromCli = (name) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [cliRoot] }), 'utf8')).version;
  const cliPkg = JSON.parse(fs.readFileSync(path.join(cliRoot, 'package.json'), 'utf8'));
  return {
    $base: base,
    cdk8s_core_version: fromCli('cdk8s'),
    cdk8s_plus_version: fromCli('cdk8s-plus-33'),
    constructs_version: cliPkg.dependencies.constructs.replace('^', ''),
    cdk8s_cli_spec: `^${cliPkg.version}`,
  };
}

function fillTemplate(text, values) {
  return text.replace(/\{\{\s*([$\w]+)\s*\}\}/g, (m, key) => {
    if (!(key in values)) throw new Error(`template placeholder ${m} unknown`);
    return values[key];
  });
}

function checkTemplate() {
  step(`examples/cdk8s-app is the cdk8s-cli ${templateValues('x').cdk8s_cli_spec.slice(1)} typescript-app template as it is`);
  const values = templateValues(path.basename(example));
  const problems = [];
  for (const [file, templateFile] of [
    ['tsconfig.json', 'tsconfig.json'],
    ['cdk8s.yaml', 'cdk8s.yaml'],
    ['jest.config.js', 'jest.config.js'],
    ['.gitignore', '{{}}.gitignore'],
  ]) {
    const expected = fillTemplate(fs.readFileSync(path.join(templateDir, templateFile), 'utf8'), values);
    if (fs.readFileSync(path.join(example, file), 'utf8') !== expected) problems.push(`${file} differs from the template's ${templateFile}`);
  }
  const expectedPkg = JSON.parse(fillTemplate(fs.readFileSync(path.join(templateDir, 'package.json'), 'utf8'), values));
  const pkg = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8'));
  if (pkg.dependencies['observability-stack'] !== 'file:observability-stack.tgz') problems.push('package.json: dependencies["observability-stack"] must be "file:observability-stack.tgz"');
  const { 'observability-stack': _ours, ...templateDeps } = pkg.dependencies;
  const stripped = { ...pkg, dependencies: templateDeps };
  if (JSON.stringify(sortDeep(stripped)) !== JSON.stringify(sortDeep(expectedPkg))) {
    problems.push(`package.json differs from the template's beyond the observability-stack dependency:\n  expected ${JSON.stringify(expectedPkg)}\n  found    ${JSON.stringify(stripped)}`);
  }
  if (problems.length > 0) throw new Error(`examples/cdk8s-app has drifted from the template (update it from ${path.relative(root, templateDir)}):\n- ${problems.join('\n- ')}`);
  process.stdout.write('template files match\n');
}

function sortDeep(v) {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep(v[k])]));
  return v;
}

function pack(dir) {
  step('npm pack (prepack builds the package) and npm publish --dry-run');
  const res = run('npm', ['pack', '--json', '--pack-destination', dir], root);
  const [info] = JSON.parse(res.stdout.slice(res.stdout.indexOf('[')));
  const files = info.files.map((f) => f.path);
  const unexpected = files.filter((f) => !/^(build\/(lib|imports)\/.*\.(js|d\.ts|json)|build\/exporter\/src\/catalogue\.(js|d\.ts)|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(f));
  if (unexpected.length > 0) throw new Error(`the package ships files a user does not need:\n  ${unexpected.join('\n  ')}`);
  for (const needed of ['build/lib/index.js', 'build/lib/index.d.ts', 'build/lib/config/schema.json', 'CHANGELOG.md', 'LICENSE', 'README.md']) {
    if (!files.includes(needed)) throw new Error(`the package lacks ${needed}`);
  }
  process.stdout.write(`${info.filename}: ${files.length} files, ${info.size} bytes packed, ${info.unpackedSize} unpacked\n`);
  const dry = run('npm', ['publish', '--dry-run'], root);
  // The only expected warning is about not being logged in (a dry run does not need it).
  const warnings = (dry.stderr + dry.stdout).split('\n').filter((l) => /npm (warn|error)/i.test(l) && !/requires you to be logged in/.test(l));
  if (warnings.length > 0) throw new Error(`npm publish --dry-run reports:\n${warnings.join('\n')}`);
  return path.join(dir, info.filename);
}

function readAll(dir) {
  const out = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, readAll(p));
    else if (entry.name.endsWith('.yaml')) out[p] = fs.readFileSync(p, 'utf8');
  }
  return out;
}

function checkManifests(dir, what) {
  const text = Object.values(readAll(dir)).join('\n---\n');
  const expectations = [
    ['the sidecar container in the checkout Deployment', /name: app-exporter/],
    ['the sidecar scrape annotation', /observability-stack\.io\/metrics-port: "8000"/],
    ['the app\'s own scrape annotation', /prometheus\.io\/port: "8080"/],
    ['the PodMonitor of the sidecar', /kind: PodMonitor[\s\S]*name: checkout-exporter/],
    ['the user\'s rule group (PrometheusRule and rule file)', /alert: CheckoutPaymentsFailing/],
    ['the SLO rules of the Sloth spec', /sloth_service: checkout/],
    ['the kubernetes-pods-sidecar scrape job', /job_name: kubernetes-pods-sidecar/],
    ['the Grafana Ingress', /kind: Ingress[\s\S]*host: grafana\.shop\.internal/],
  ];
  const missing = expectations.filter(([, re]) => !re.test(text)).map(([name]) => name);
  if (missing.length > 0) throw new Error(`${what}: missing ${missing.join(', ')}`);
  const rules = (text.match(/alert: CheckoutPaymentsFailing/g) ?? []).length;
  if (rules !== 2) throw new Error(`${what}: CheckoutPaymentsFailing appears ${rules} times, expected 2 (rule file and PrometheusRule)`);
  process.stdout.write(`${what}: ${Object.keys(readAll(dir)).length} files, all expected objects present\n`);
}

/** The TypeScript block of the README's "Use it as a library" section. */
function readmeExample() {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use it as a library'));
  const block = section && /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```ts block in the "Use it as a library" section');
  return block[1];
}

function main() {
  checkTemplate();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-stack-example-'));
  try {
    const tarball = pack(tmp);
    step('a copy of examples/cdk8s-app with the tarball, installed like cdk8s init installs');
    const app = path.join(tmp, 'cdk8s-app');
    fs.cpSync(example, app, { recursive: true, filter: (src) => !/node_modules|observability-stack\.tgz$|\/dist$/.test(src) });
    fs.copyFileSync(tarball, path.join(app, 'observability-stack.tgz'));
    // The README's library example is compiled with the app (the template's tsconfig takes
    // every .ts file of the folder), so a field it uses that the package no longer has fails here.
    fs.writeFileSync(path.join(app, 'readme-example.ts'), readmeExample());
    run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], app);
    const tree = run('npm', ['ls', 'cdk8s', 'constructs', 'cdk8s-plus-27', 'cdk8s-plus-33', 'observability-stack'], app).stdout;
    process.stdout.write(tree);

    step('compile (the template\'s tsc), run, test, cdk8s synth, cdk8s synth --output');
    run('npm', ['run', 'compile'], app);
    run('node', ['main.js'], app);
    checkManifests(path.join(app, 'dist'), 'node main.js');
    run('npm', ['test', '--', '--ci'], app);
    fs.rmSync(path.join(app, 'dist'), { recursive: true, force: true });
    run('npx', ['cdk8s', 'synth', '--no-check-upgrade'], app);
    checkManifests(path.join(app, 'dist'), 'cdk8s synth');
    const distBefore = readAll(path.join(app, 'dist'));
    run('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--output', 'manifests'], app);
    checkManifests(path.join(app, 'manifests'), 'cdk8s synth --output manifests');
    if (JSON.stringify(readAll(path.join(app, 'dist'))) !== JSON.stringify(distBefore)) throw new Error('cdk8s synth --output changed dist/');
    step('ok: the packed library works in a cdk8s typescript-app project');
  } finally {
    if (keep) process.stdout.write(`kept ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`\ntest:example FAILED: ${e.message}\n`);
  process.exitCode = 1;
}
