/**
 * End to end on CPU: export the MNIST template (with weights from a saved tfjs model folder),
 * train it for one epoch with `torchrun --nproc_per_node=2` (gloo), check the loss falls, then
 * import the checkpoint train.py wrote back into the engine and check the engine's predictions
 * equal PyTorch's. Needs /usr/bin/python3 with torch; skipped with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { compile } from '../compile/compile.js';
import { mnistDataset } from '../data/mnist.js';
import { loadGraphDoc } from '../graph/load.js';
import { importPytorchWeights, saveTrainedModelDir } from '../node/export.js';
import { PYTHON, runPython, torchUnavailable } from '../node/exportHarness.js';
import { loadMnistBytes } from '../node/mnist.js';
import { encodeSafetensors } from './weights.js';

const skipReason = torchUnavailable();
const templatePath = join(__dirname, '..', '..', 'templates', 'mnist-perceiver-io.json');

describe.skipIf(skipReason !== null)(
  `torchrun training of the exported MNIST model${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-torchrun-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('trains one epoch on 2 gloo processes with falling loss, and the checkpoint loads back into the engine', async () => {
      await tf.setBackend('cpu');
      const doc = loadGraphDoc(readFileSync(templatePath, 'utf8'), templatePath);
      const trained = join(work, 'trained');
      const pkg = join(work, 'pkg');
      {
        const { model } = compile(doc, { seed: 3 });
        await saveTrainedModelDir(model, trained, doc);
        model.dispose();
      }
      const log: string[] = [];
      const code = await runCli(['export', templatePath, '--format', 'pytorch', '--out', pkg, '--weights', trained], {
        log: (s) => log.push(s),
        err: (s) => log.push(s),
      });
      expect(code, log.join('\n')).toBe(0);

      // torchrun's default --redirects does not parse under Python 3.11 with PyTorch 1.13; 2/2 is a no-op elsewhere.
      const started = Date.now();
      const r = spawnSync(
        PYTHON,
        [
          '-m',
          'torch.distributed.run',
          '--standalone',
          '--nproc_per_node=2',
          '--redirects',
          '2',
          '--tee',
          '2',
          'train.py',
          '--device',
          'cpu',
          '--epochs',
          '1',
          '--subset',
          '4000',
          '--log-every',
          '5',
          '--json',
          '--checkpoint-dir',
          'ck',
          '--weights',
          'weights.pt',
        ],
        { cwd: pkg, encoding: 'utf8', timeout: 170_000, env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      const seconds = (Date.now() - started) / 1000;
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const records = readFileSync(join(pkg, 'ck', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, number | string | null>);
      const start = records.find((x) => x.event === 'start')!;
      expect(start).toMatchObject({ world: 2, backend: 'gloo', device: 'cpu', train: 4000, params: 96_292 });
      const losses = records.filter((x) => x.event === 'step').map((x) => x.loss as number);
      expect(losses.length).toBeGreaterThanOrEqual(10);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(-3)), `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(
        mean(losses.slice(0, 3)) - 0.2,
      );
      const epoch = records.find((x) => x.event === 'epoch')!;
      expect(epoch.val_accuracy as number).toBeGreaterThan(0.3);
      console.log(
        `torchrun 2×gloo, 4000 examples, 1 epoch: ${seconds.toFixed(1)} s wall (training ${(epoch.seconds as number).toFixed(1)} s, ${(epoch.examples_per_s as number).toFixed(0)} examples/s); ` +
          `loss ${losses.map((l) => l.toFixed(2)).join(' → ')}; val acc ${((epoch.val_accuracy as number) * 100).toFixed(1)}%`,
      );

      // Back into the engine: the same predictions as PyTorch on the same digits.
      const before = tf.memory().numTensors;
      const { model } = compile(doc, { seed: 99 });
      importPytorchWeights(model, doc, join(pkg, 'ck', 'weights.safetensors'));
      const test = mnistDataset(loadMnistBytes(), doc.data).test;
      const n = 64;
      const x = new Float32Array(n * 784);
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const e = await test.example(i);
        x.set(e.x, i * 784);
        labels.push(e.y);
      }
      const logitsT = tf.tidy(() => model.predict(tf.tensor(x, [n, 28, 28, 1])) as tf.Tensor);
      const logits = Float32Array.from(logitsT.dataSync());
      const predicted = Array.from({ length: n }, (_, i) => {
        const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
        return row.indexOf(Math.max(...row));
      });
      logitsT.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      writeFileSync(
        join(work, 'digits.safetensors'),
        encodeSafetensors(new Map([['x', { shape: [n, 28, 28, 1], data: x }]])),
      );
      const torchOut = runPython(
        `import sys, json, torch
sys.path.insert(0, sys.argv[1])
import model as m, perceiver_layers as L
net = m.build_model(); L.load_weights(net, sys.argv[1] + "/ck/weights.pt"); net.eval()
with torch.no_grad():
    print(json.dumps(net(L.load_safetensors(sys.argv[2])["x"]).flatten().tolist()))`,
        [pkg, join(work, 'digits.safetensors')],
      );
      const torchLogits = JSON.parse(torchOut) as number[];
      const maxAbs = torchLogits.reduce((m, v, i) => Math.max(m, Math.abs(v - logits[i]!)), 0);
      expect(maxAbs).toBeLessThan(1e-4);
      const accuracy = predicted.filter((p, i) => p === labels[i]).length / n;
      expect(accuracy).toBeGreaterThan(0.3);
      console.log(
        `imported checkpoint: engine vs PyTorch max |Δlogit| ${maxAbs.toExponential(2)}; engine accuracy on ${n} test digits ${(accuracy * 100).toFixed(0)}%`,
      );
    }, 200_000);
  },
);
