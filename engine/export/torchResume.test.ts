/**
 * The exported train.py's checkpoints (system PyTorch on CPU, gloo): a run stopped after epoch 1
 * and resumed with --resume logs the same losses and ends on the same weights as an
 * uninterrupted run (two ranks gather their RNG states into the checkpoint: torchScale.test runs 2 ranks); with early stopping the final weights are those of the epoch
 * with the lowest validation loss, not the last. Skipped, with the reason, without torch.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import { PYTHON, runPython, torchUnavailable } from '../node/exportHarness.js';
import { exportPytorch } from './pytorch/index.js';

const skipReason = torchUnavailable();
const templatePath = join(__dirname, '..', '..', 'templates', 'tabular-perceiver.json');

type Rec = Record<string, unknown> & { event: string };

describe.skipIf(skipReason !== null)(`train.py checkpoints${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'ps-torchresume-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const csv = join(work, 'rows.csv');
  // 600 rows, 8 numeric features, 3 classes that depend on them (with noise).
  runPython(
    `import sys, numpy as np
rng = np.random.default_rng(1)
x = rng.normal(size=(600, 8))
y = np.argmax(x[:, :3] + 0.8 * rng.normal(size=(600, 3)), 1)
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"f{i}" for i in range(8)) + ",label\\n")
    for r, c in zip(x, y):
        f.write(",".join(f"{v:.5f}" for v in r) + f",c{c}\\n")`,
    [csv],
  );
  const doc = loadGraphDoc(readFileSync(templatePath, 'utf8'), templatePath);
  doc.training.earlyStoppingPatience = 2; // the template's 5, shorter to keep the test quick
  const pkg = join(work, 'pkg');
  for (const [f, c] of exportPytorch(doc).files) {
    mkdirSync(join(pkg, f, '..'), { recursive: true });
    writeFileSync(join(pkg, f), c);
  }
  const train = (args: string[]): Rec[] => {
    const r = spawnSync(PYTHON, ['train.py', '--data', csv, '--device', 'cpu', '--json', ...args], {
      cwd: pkg,
      encoding: 'utf8',
      timeout: 280_000,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Rec);
  };
  const steps = (rs: Rec[]) => rs.filter((r) => r.event === 'step').map((r) => [r.epoch, r.step, r.loss]);
  const epochs = (rs: Rec[]) => rs.filter((r) => r.event === 'epoch').map((r) => [r.epoch, r.loss, r.val_loss]);

  it('stopped after epoch 1 and resumed, a run continues exactly as an uninterrupted one', () => {
    const common = ['--epochs', '3', '--log-every', '2'];
    const whole = train([...common, '--checkpoint-dir', join(work, 'whole')]);
    const first = train([...common, '--checkpoint-dir', join(work, 'split'), '--stop-after', '1']);
    expect(first.some((r) => r.event === 'stopped')).toBe(true);
    expect(epochs(first)).toHaveLength(1);
    const rest = train([...common, '--checkpoint-dir', join(work, 'split'), '--resume']);
    expect(rest.find((r) => r.event === 'resume')).toMatchObject({ epoch: 1 });
    expect(steps(whole).length).toBeGreaterThan(10);
    expect([...steps(first), ...steps(rest)]).toEqual(steps(whole));
    expect([...epochs(first), ...epochs(rest)]).toEqual(epochs(whole));
    expect(readFileSync(join(work, 'split', 'weights.safetensors'))).toEqual(
      readFileSync(join(work, 'whole', 'weights.safetensors')),
    );
    expect(rest.find((r) => r.event === 'done')).toEqual(whole.find((r) => r.event === 'done'));
  }, 600_000);

  it('early stopping keeps the weights of the best validation epoch', () => {
    const rs = train(['--epochs', '25', '--lr', '0.01', '--checkpoint-dir', join(work, 'early')]);
    const stop = rs.find((r) => r.event === 'early-stop');
    expect(stop, 'the run should stop early (validation loss stops improving at this learning rate)').toBeDefined();
    const byEpoch = rs.filter((r) => r.event === 'epoch') as (Rec & { epoch: number; val_loss: number })[];
    const best = byEpoch.reduce((a, b) => (b.val_loss < a.val_loss - 1e-6 ? b : a));
    expect(best.epoch).toBeLessThan(byEpoch[byEpoch.length - 1]!.epoch);
    expect(stop!.best_epoch).toBe(best.epoch);
    expect(rs.find((r) => r.event === 'final')).toMatchObject({ epoch: best.epoch });
    // The written weights give the best epoch's validation loss again (and the last epoch's do not).
    const again = JSON.parse(
      runPython(
        `import sys, json, torch, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
import model as m, data, perceiver_layers as L
cfg = json.load(open(sys.argv[1] + "/config.json"))
d = cfg["data"]
spec = {"input_shape": list(m.INPUTS.values())[0], "inputs": m.INPUTS, "validation_fraction": d.get("validationFraction", 0.1), "test_fraction": d.get("testFraction", 0.2),
        "seed": d.get("seed", 1), "normalize": d.get("normalize", "none")}
val = data.open_dataset(sys.argv[2], spec)["validation"]
def loss(state):
    net = m.build_model(); net.load_state_dict(state); net.eval()
    xs = torch.stack([val[i][0][0] for i in range(len(val))]); ys = torch.stack([val[i][1] for i in range(len(val))])
    with torch.no_grad():
        return F.cross_entropy(net(xs), ys).item()
print(json.dumps([loss(L.load_safetensors(sys.argv[3])), loss(torch.load(sys.argv[4])["model"])]))`,
        [pkg, csv, join(work, 'early', 'weights.safetensors'), join(work, 'early', 'checkpoint.pt')],
      ),
    ) as [number, number];
    expect(again[0]).toBeCloseTo(best.val_loss, 5);
    expect(Math.abs(again[1] - best.val_loss)).toBeGreaterThan(1e-4);
    console.log(
      `early stop after epoch ${byEpoch[byEpoch.length - 1]!.epoch}: best epoch ${best.epoch} (val loss ${best.val_loss.toFixed(4)}); written weights ${again[0].toFixed(4)}, last epoch ${again[1].toFixed(4)}`,
    );
  }, 600_000);
});
