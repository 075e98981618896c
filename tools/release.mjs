#!/usr/bin/env node
// Packs the current build (js/pkg/ and dist/kizuna/, from tools/build.sh)
// into release/, byte for byte the same for the same commit and toolchain:
//   kizuna-<version>.tgz       the npm package (js/, its wasm inside, LICENSE):
//                              npm install ./kizuna-<version>.tgz, no Rust needed
//   kizuna-<version>-web.zip   kizuna/ (dist/kizuna: the script-tag files,
//                              integrity.json, tags.html) and LICENSE
//   SHA256SUMS                 of both (sha256sum -c SHA256SUMS)
//   BUILDINFO.txt              the commit and the toolchain that made them
// Run by tools/release.sh (which builds first, and pins what the build reads).
//
// What would vary, and how it is pinned here: file modes and mtimes (the
// package is staged with 0644 files; npm pack writes every entry with
// 1985-10-26 08:15 and uid/gid 0, and so does the zip unless
// SOURCE_DATE_EPOCH is set), file order (npm's; the zip's sorted by name),
// compression (node's zlib, so the same node release). The wasm must name
// no path of this machine: checked below (rustc writes src/… for this crate
// and /rustc/<hash>/… for std; a dependency's panic location would name
// ~/.cargo/registry).
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'release');
const DIST = path.join(ROOT, 'dist/kizuna');
const PKG = path.join(ROOT, 'js');
const MODULES = ['kizuna', 'personalize', 'engage'];

const fail = (message) => { console.error(`[release] ${message}`); process.exit(1); };
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const sri = (data) => 'sha384-' + crypto.createHash('sha384').update(data).digest('base64');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
const tryRun = (cmd, args) => { try { return run(cmd, args, { cwd: ROOT }); } catch { return null; } };
const untrimmed = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();

// One version: Cargo.toml's (written into every event) and the package's.
const version = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8')).version;
const cargoVersion = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m)?.[1];
if (version !== cargoVersion) fail(`js/package.json says ${version}, Cargo.toml ${cargoVersion}: make them one version`);
// The changelog names this release, and says when it carries more: changes
// under "Unreleased" ship under this number too (bump the version and move
// them under it for a real release; docs/VERSIONING.md says which number).
const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
if (!new RegExp(`^## ${version.replace(/\./g, '\\.')}\\b`, 'm').test(changelog)) fail(`CHANGELOG.md has no "## ${version}" section: say what this release changes`);
const unreleased = changelog.match(/^## Unreleased\n([\s\S]*?)^## /m)?.[1].trim();
if (unreleased) console.warn(`[release] CHANGELOG.md lists unreleased changes: they ship as ${version} in this pack; for a release, bump the version and move them under it`);

// The build is there, and is one build of this version.
for (const m of MODULES) {
  for (const f of [`${m}.js`, `${m}_bg.wasm`]) if (!fs.existsSync(path.join(PKG, 'pkg', f))) fail(`js/pkg/${f} is missing: run tools/release.sh (it builds)`);
  const wasm = fs.readFileSync(path.join(PKG, 'pkg', `${m}_bg.wasm`));
  const dist = path.join(DIST, `${m}.wasm`);
  if (!fs.existsSync(dist) || !wasm.equals(fs.readFileSync(dist))) fail(`dist/kizuna/${m}.wasm is not js/pkg/${m}_bg.wasm: the two come from different builds, run tools/release.sh`);
}
if (!fs.readFileSync(path.join(PKG, 'pkg/kizuna_bg.wasm')).includes(version)) {
  fail(`the tracking wasm does not carry version ${version} (built before the version changed?): run tools/release.sh`);
}
const integrity = JSON.parse(fs.readFileSync(path.join(DIST, 'integrity.json'), 'utf8'));
const tags = fs.readFileSync(path.join(DIST, 'tags.html'), 'utf8');
for (const [file, hash] of Object.entries(integrity)) {
  if (file === 'snippetCspHash') continue;
  if (sri(fs.readFileSync(path.join(DIST, file))) !== hash) fail(`dist/kizuna/integrity.json: ${file} does not match its file`);
}
for (const [, file, hash] of tags.matchAll(/src="\/kizuna\/([^"]+)" integrity="([^"]+)"/g)) {
  if (integrity[file] !== hash) fail(`dist/kizuna/tags.html: ${file}'s hash is not integrity.json's`);
}

// Nothing shipped names a path of the machine that built it.
const local = [ROOT, os.homedir(), process.env.CARGO_HOME].filter((p) => p && p !== '/');
for (const dir of [path.join(PKG, 'pkg'), DIST]) {
  for (const f of fs.readdirSync(dir)) {
    const data = fs.readFileSync(path.join(dir, f));
    const found = local.find((p) => data.includes(p));
    if (found) fail(`${path.relative(ROOT, path.join(dir, f))} names ${found}: a build path leaked into what ships`);
  }
}

const git = tryRun('git', ['rev-parse', 'HEAD']);
const dirty = git && untrimmed('git', ['status', '--porcelain', '--', 'js', 'src', 'Cargo.toml', 'Cargo.lock', 'package.json', 'package-lock.json', 'tools', 'LICENSE']);
if (dirty) console.warn(`[release] warning: uncommitted changes in what a release is made of; this release is not the commit's:\n${dirty}`);

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

// --- The npm tarball: js/ as npm would pack it, plus LICENSE, staged with one mode.
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'kizuna-release-'));
try {
  const listed = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PKG }))[0].files.map((f) => f.path);
  for (const f of [...listed, '../LICENSE']) {
    const to = path.join(stage, path.basename(f) === 'LICENSE' ? 'LICENSE' : f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(PKG, f), to);
    fs.chmodSync(to, 0o644);
  }
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', OUT], { cwd: stage }))[0];
  const names = packed.files.map((f) => f.path);
  for (const m of MODULES) if (!names.includes(`pkg/${m}_bg.wasm`)) fail(`the tarball lacks pkg/${m}_bg.wasm`);
  if (packed.filename !== `kizuna-${version}.tgz`) fail(`npm named the tarball ${packed.filename}`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}

// --- The script-tag zip: a small deterministic writer (deflate, or stored
// where deflate does not help; entries sorted; one fixed time; 0644 files).
// npm pack's fixed time (1985-10-26 08:15 UTC) unless SOURCE_DATE_EPOCH says another.
const epoch = Number(process.env.SOURCE_DATE_EPOCH || 499162500);
if (!Number.isFinite(epoch) || epoch < 315532800) fail(`SOURCE_DATE_EPOCH ${epoch} is before 1980 (zip times start there)`);
if (typeof zlib.crc32 !== 'function') fail(`node ${process.version} has no zlib.crc32: use node 20.15 or later`);

function zip(entries, seconds) {
  const d = new Date(seconds * 1000);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const deflated = zlib.deflateRawSync(data, { level: 9 });
    const method = deflated.length < data.length ? 8 : 0;
    const body = method ? deflated : data;
    const fileName = Buffer.from(name);
    // The fields local and central headers share, from "version needed" on.
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0); // version needed: 2.0
    common.writeUInt16LE(0x0800, 2); // names are UTF-8
    common.writeUInt16LE(method, 4);
    common.writeUInt16LE(time, 6);
    common.writeUInt16LE(date, 8);
    common.writeUInt32LE(zlib.crc32(data), 10);
    common.writeUInt32LE(body.length, 14);
    common.writeUInt32LE(data.length, 18);
    common.writeUInt16LE(fileName.length, 22);
    const local = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), common, fileName, body]);
    const tail = Buffer.alloc(14); // comment length, disk, internal attributes: 0
    tail.writeUInt32LE((0o100644 << 16) >>> 0, 6); // external attributes: a regular file, rw-r--r--
    tail.writeUInt32LE(offset, 10);
    const made = Buffer.from([0x50, 0x4b, 0x01, 0x02, 20, 3]); // made by: 2.0 on Unix (so unzip keeps the mode)
    central.push(Buffer.concat([made, common, tail, fileName]));
    parts.push(local);
    offset += local.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

const webEntries = [
  { name: 'LICENSE', data: fs.readFileSync(path.join(ROOT, 'LICENSE')) },
  ...fs.readdirSync(DIST).sort().map((f) => ({ name: `kizuna/${f}`, data: fs.readFileSync(path.join(DIST, f)) })),
];
fs.writeFileSync(path.join(OUT, `kizuna-${version}-web.zip`), zip(webEntries, epoch));

// --- Checksums, and what made them.
const artifacts = [`kizuna-${version}.tgz`, `kizuna-${version}-web.zip`];
const sums = artifacts.map((f) => `${sha256(fs.readFileSync(path.join(OUT, f)))}  ${f}\n`).join('');
fs.writeFileSync(path.join(OUT, 'SHA256SUMS'), sums);
const pkgVersion = (name) => { try { return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return 'not installed'; } };
const buildinfo = [
  `kizuna ${version}`,
  `commit ${git ?? 'unknown (not a git checkout)'}${dirty ? ' with uncommitted changes' : ''}`,
  `zip entry time ${new Date(epoch * 1000).toISOString()} (SOURCE_DATE_EPOCH ${epoch})`,
  `rustc ${tryRun('rustc', ['-V']) ?? 'not found'} (RUSTUP_TOOLCHAIN=${process.env.RUSTUP_TOOLCHAIN ?? ''})`,
  `wasm-bindgen ${tryRun('wasm-bindgen', ['--version']) ?? 'not found'}`,
  `binaryen ${pkgVersion('binaryen')} (wasm-opt), esbuild ${pkgVersion('esbuild')}`,
  `node ${process.version} (zlib ${process.versions.zlib}), npm ${tryRun('npm', ['--version'])}`,
  '',
].join('\n');
fs.writeFileSync(path.join(OUT, 'BUILDINFO.txt'), buildinfo);

for (const f of artifacts) {
  const data = fs.readFileSync(path.join(OUT, f));
  console.log(`[release] release/${f}: ${data.length} bytes, sha256 ${sha256(data)}`);
}
console.log(`[release] release/SHA256SUMS, release/BUILDINFO.txt:\n${buildinfo.replace(/^/gm, '  ').trimEnd()}`);
