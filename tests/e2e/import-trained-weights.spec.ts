/**
 * "Import trained weights…" in the Try tab: the default MNIST template exported to PyTorch with
 * the CLI and trained one short epoch by its own train.py (the system PyTorch); the
 * checkpoints/weights.safetensors it wrote become the app's current weights, and a drawn digit
 * gets a prediction from them. Weights of another graph are refused with the tensor named.
 * Skipped, with the reason, without /usr/bin/python3 + torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { TryPage } from './pages/TryPage';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = process.env.PERCEIVER_PYTHON ?? '/usr/bin/python3';
const torch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

function exportAndTrain(work: string, template: string, train: boolean): string {
  const pkg = join(work, template.replace('.json', ''));
  const ex = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'perceiver-studio.js'),
      'export',
      join(root, 'templates', template),
      '--format',
      'pytorch',
      '--out',
      pkg,
    ],
    { encoding: 'utf8' },
  );
  expect(ex.status, ex.stderr).toBe(0);
  const args = train
    ? ['train.py', '--device', 'cpu', '--epochs', '1', '--subset', '640', '--log-every', '1000', '--json']
    : [
        '-c',
        'import model, perceiver_layers as L, os; os.makedirs("checkpoints", exist_ok=True); L.save_safetensors(model.build_model().state_dict(), "checkpoints/weights.safetensors")',
      ];
  const r = spawnSync(PYTHON, args, {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 280_000,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return join(pkg, 'checkpoints', 'weights.safetensors');
}

test.skip(!torch, `${PYTHON} cannot import torch`);

test("Import trained weights: train.py's weights.safetensors become the Try weights; another graph's are refused", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'ps-e2e-weights-'));
  try {
    const trained = exportAndTrain(work, 'mnist-perceiver-io.json', true);
    const other = exportAndTrain(work, 'tabular-perceiver.json', false);
    const editor = new EditorPage(page);
    const tryTab = new TryPage(page);
    await editor.open();
    await tryTab.show();
    await expect(tryTab.state).toContainText('No weights yet');

    await page.getByTestId('try-trained-weights').setInputFiles(other);
    await expect(tryTab.error).toContainText(
      /The trained weights could not be imported: weights\.safetensors: "latents\.array" has shape \[16, 32\]/,
    );
    await tryTab.screenshot('import-weights-01-refused');

    await page.getByTestId('try-trained-weights').setInputFiles(trained);
    await expect(tryTab.weights).toContainText('trained with PyTorch: weights.safetensors, epoch 1');
    await expect(tryTab.error).toHaveCount(0);
    await tryTab.drawStroke([
      [0.5, 0.18],
      [0.5, 0.82],
    ]);
    await expect(tryTab.classes.first()).toBeVisible();
    expect(await tryTab.topK()).toHaveLength(5);
    await tryTab.screenshot('import-weights-02-predicting');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
