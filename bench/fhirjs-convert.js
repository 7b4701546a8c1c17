#!/usr/bin/env node
// Measures FHIR.js (the npm package "fhir") converting FHIR STU3 XML to JSON
// and JSON to XML, for bench/convert.sh, and validating XML and JSON, for
// bench/run.sh. FHIR.js is loaded for STU3 from the
// StructureDefinitions, ValueSets and CodeSystems of the official STU3
// package (unpacked by the script), not from its built-in R4 definitions.
//
//   node bench/fhirjs-convert.js --package DIR --xml-list FILE --json-list FILE [--rounds N]
//       [--ops XML->JSON,JSON->XML,validate XML,validate JSON]
//   node bench/fhirjs-convert.js --package DIR --one FILE   # load, validate one file, exit
//
// Validation counts a file as accepted when FHIR.js answers valid; the
// count goes to stderr. An empty list skips the operations that read it.
//
// Prints the same tab-separated lines as bench/convbench, for wall-clock
// and for process CPU time (all threads, garbage collection included):
//   FHIR.js  operation  bytes  wall|cpu  median-MB/s  MB/s-of-each-round...
// and the time spent loading the definitions on stderr.
'use strict';

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const opts = { rounds: 5, minRoundMs: 300, ops: ['XML->JSON', 'JSON->XML'] };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--package': opts.pkg = v; break;
      case '--xml-list': opts.xmlList = v; break;
      case '--json-list': opts.jsonList = v; break;
      case '--rounds': opts.rounds = parseInt(v, 10); break;
      case '--min-round-ms': opts.minRoundMs = parseInt(v, 10); break;
      case '--ops': opts.ops = v.split(','); break;
      case '--one': opts.one = v; break;
      default: throw new Error('unknown argument ' + argv[i]);
    }
  }
  if (opts.pkg && opts.one) return opts;
  if (!opts.pkg || !opts.xmlList || !opts.jsonList || !(opts.rounds >= 1)) {
    throw new Error('usage: fhirjs-convert.js --package DIR --xml-list FILE --json-list FILE [--rounds N]');
  }
  return opts;
}

// loadSTU3 builds a FHIR.js instance that knows STU3 from the package
// folder: one bundle holding every StructureDefinition, ValueSet and
// CodeSystem of it (parseBundle loads code systems and value sets before
// the structures that bind to them).
function loadSTU3(fhirjs, pkgDir) {
  const entry = [];
  for (const name of fs.readdirSync(pkgDir).sort()) {
    if (!/^(StructureDefinition|ValueSet|CodeSystem)-.*\.json$/.test(name)) continue;
    entry.push({ resource: JSON.parse(fs.readFileSync(path.join(pkgDir, name), 'utf8')) });
  }
  const parser = new fhirjs.ParseConformance(false, fhirjs.Versions.STU3);
  parser.parseBundle({ resourceType: 'Bundle', entry });
  return { fhir: new fhirjs.Fhir(parser), count: entry.length };
}

function readList(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    .map((p) => ({ path: p, text: fs.readFileSync(p, 'utf8') }));
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// measure times fn over all inputs per round, repeating the set to fill
// minRoundMs, like convbench does. Inputs FHIR.js fails on are left out
// and named on stderr, so its figure covers what it can convert.
function measure(op, inputs, fn, opts) {
  if (inputs.length === 0) return;
  const ok = [];
  for (const f of inputs) {
    try {
      fn(f.text);
      ok.push(f);
    } catch (e) {
      process.stderr.write(`fhirjs-convert: ${op}: leaving out ${f.path}: ${String(e.message || e).split('\n')[0]}\n`);
    }
  }
  const bytes = ok.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const pass = () => { for (const f of ok) fn(f.text); };
  let t = process.hrtime.bigint();
  pass();
  const warm = Number(process.hrtime.bigint() - t) / 1e6;
  const reps = warm < opts.minRoundMs ? Math.floor(opts.minRoundMs / Math.max(warm, 0.001)) + 1 : 1;
  const wall = [];
  const cpu = [];
  for (let r = 0; r < opts.rounds; r++) {
    if (global.gc) global.gc();
    t = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) pass();
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    const c = process.cpuUsage(c0);
    const mb = (bytes * reps) / 1e6;
    wall.push(mb / secs);
    cpu.push(mb / ((c.user + c.system) / 1e6));
  }
  for (const [clock, speeds] of [['wall', wall], ['cpu', cpu]]) {
    const line = ['FHIR.js', op, String(bytes), clock, median(speeds).toFixed(2), ...speeds.map((s) => s.toFixed(2))];
    process.stdout.write(line.join('\t') + '\n');
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const fhirjs = require(path.join(__dirname, 'node_modules', 'fhir'));
  const t = process.hrtime.bigint();
  const { fhir, count } = loadSTU3(fhirjs, opts.pkg);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  process.stderr.write(`fhirjs-convert: loaded ${count} STU3 definitions in ${ms.toFixed(0)} ms (not timed below)\n`);
  if (opts.one) {
    const res = fhir.validate(fs.readFileSync(opts.one, 'utf8'));
    process.exit(res.valid ? 0 : 1);
  }
  const ops = {
    'XML->JSON': [opts.xmlList, (s) => fhir.xmlToJson(s)],
    'JSON->XML': [opts.jsonList, (s) => fhir.jsonToXml(s)],
    'validate XML': [opts.xmlList, (s) => fhir.validate(s)],
    'validate JSON': [opts.jsonList, (s) => fhir.validate(s)],
  };
  for (const op of opts.ops) {
    if (!ops[op]) throw new Error('unknown operation ' + op);
    const [list, fn] = ops[op];
    const inputs = readList(list);
    if (op.startsWith('validate')) {
      let valid = 0;
      for (const f of inputs) {
        try { if (fn(f.text).valid) valid++; } catch (e) { /* rejected */ }
      }
      process.stderr.write(`fhirjs-convert: ${op}: ${valid} of ${inputs.length} valid\n`);
      process.stdout.write(`#accepted\tFHIR.js\t${op}\t${valid}\t${inputs.length}\n`);
    }
    measure(op, inputs, fn, opts);
  }
}

main();
