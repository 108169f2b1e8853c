/**
 * Import from Hugging Face as a person does it: the command palette's "Import from Hugging
 * Face…", the downloaded folder chosen in the folder dialog; the model opens as a graph of studio
 * nodes in a new tab with a "pretrained" badge, the HF class and the exact parameter count in the
 * graph details. Then fine-tune: an image folder of 3 classes, the head fitted to 3 classes (it
 * starts fresh, the rest is kept), the encoder frozen, a few steps trained, and the attention
 * maps of the fine-tuned model; the run records that it started from the pretrained model; the
 * PyTorch export carries a Hugging Face folder with the class's exact keys and the new head.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { tempDir, writeImageFolder } from './dataFixtures';
import { readSafetensors } from '../../engine/hf/safetensors';
import { DatasetPage } from './pages/DatasetPage';
import { ExportPage } from './pages/ExportPage';
import { EditorPage, runCommand } from './pages/EditorPage';
import { InsightPage } from './pages/InsightPage';
import { TrainingPage } from './pages/TrainingPage';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'hf-fixtures');

async function importFolder(page: Page, folder: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await runCommand(page, 'Import from Hugging Face');
  await (await chooser).setFiles(folder);
}

test('import an HF image classifier, see it as a graph with its source, fine-tune a new head with a frozen encoder, attention maps', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  const insight = new InsightPage(page);
  await editor.open();

  await importFolder(page, join(fixtures, 'PerceiverForImageClassificationLearned'));
  await expect(editor.notice).toContainText('Imported PerceiverForImageClassificationLearned', { timeout: 60_000 });
  await expect(page.getByRole('tab', { name: /Perceiver.*Hugging Face/ })).toHaveAttribute('aria-selected', 'true');
  // The graph of our own kinds, sized from the config: 8×8 RGB in, 10 classes out.
  await expect(editor.shapeOf('head')).toHaveText('[B, 10]');
  await expect(editor.shapeOf('latents')).toHaveText('[B, 8, 32]');
  await expect(editor.totalParams).toContainText('130,634');
  await editor.panelTab('Inspector').click();
  const details = page.getByTestId('graph-details');
  await expect(details.getByTestId('pretrained-badge')).toHaveText('pretrained');
  await expect(details.getByTestId('hf-class')).toHaveText('Hugging Face PerceiverForImageClassificationLearned');
  await expect(details.getByTestId('hf-params')).toHaveText('130,634');
  await details.getByText('config.json').click();
  await expect(details.locator('pre')).toContainText('"architectures"');
  await editor.screenshot('import-hf-01-graph');

  // Fine-tune on 3 classes: the head is fitted to the data, the encoder frozen.
  const folder = writeImageFolder(tempDir('hf-shapes'), 12);
  await data.chooseFolder(folder);
  await expect(data.binding).toContainText('predicts 10 classes but the data has 3');
  await page.getByRole('button', { name: 'Fit the graph to the data' }).click();
  await expect(editor.shapeOf('head')).toHaveText('[B, 3]');
  await training.show();
  const fine = page.getByTestId('fine-tune');
  await expect(fine).toContainText('PerceiverForImageClassificationLearned');
  await fine.getByRole('checkbox', { name: /Freeze the encoder/ }).check();
  await training.setShortRun(2, 8, 3);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished/, { timeout: 180_000 });
  const started = page.getByTestId('pretrained-start');
  await expect(started).toContainText('started from PerceiverForImageClassificationLearned');
  await expect(started).toContainText('2 replaced (head/kernel, head/bias)');
  await expect(started).toContainText('frozen: image, conv, positions, latents, encoder, stack');
  await editor.screenshot('import-hf-02-fine-tuned');

  await insight.show('Attention');
  await expect(insight.mainMap).toBeVisible({ timeout: 30_000 });
  await expect(insight.allLatents.locator('canvas')).toHaveCount(8);
  await expect(insight.decoderMap).toBeVisible();
  await editor.screenshot('import-hf-03-attention');
  await insight.show('Runs');
  await expect(page.locator('body')).toContainText('fine-tuned from PerceiverForImageClassificationLearned');

  // Export back: the PyTorch package carries a Hugging Face folder with the class's own keys.
  const exporter = new ExportPage(page);
  await exporter.open();
  await exporter.withWeights.check();
  const zip = await exporter.exportAndDownload();
  await expect(exporter.result).toContainText('huggingface/ holds config.json + model.safetensors');
  await editor.screenshot('import-hf-05-export');
  const out = mkdtempSync(join(tmpdir(), 'ps-hf-export-'));
  const r = spawnSync('unzip', ['-q', await zip.path(), '-d', out], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const pkg = join(out, zip.suggestedFilename().replace(/\.zip$/, ''));
  const st = readSafetensors(new Uint8Array(readFileSync(join(pkg, 'huggingface', 'model.safetensors'))));
  const keys = readFileSync(join(fixtures, 'PerceiverForImageClassificationLearned', 'state_dict_keys.txt'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split('\t')[0]);
  expect([...st.keys()]).toEqual(keys);
  // The fine-tuned head: 3 classes, named after the image folder's classes.
  expect(st.get('perceiver.decoder.decoder.final_layer.weight')!.shape).toEqual([3, 32]);
  const cfg = JSON.parse(readFileSync(join(pkg, 'huggingface', 'config.json'), 'utf8'));
  expect(Object.values(cfg.id2label)).toEqual(['circle', 'cross', 'square']);
});

test('pytorch_model.bin alone imports through the restricted unpickler; a folder without weights is refused by name', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const editor = new EditorPage(page);
  await editor.open();
  const dir = join(tempDir('hf-bin'), 'language-tiny');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixtures, 'PerceiverForMaskedLM', 'config.json'), join(dir, 'config.json'));
  copyFileSync(join(fixtures, 'PerceiverForMaskedLM', 'pytorch_model.bin'), join(dir, 'pytorch_model.bin'));
  await importFolder(page, dir);
  await expect(editor.notice).toContainText('Imported PerceiverForMaskedLM from language-tiny: 45,222 parameters', {
    timeout: 60_000,
  });
  await expect(editor.shapeOf('head')).toHaveText('[B, 16, 262]');
  await editor.panelTab('Inspector').click();
  await expect(page.getByTestId('graph-details')).toContainText('pytorch_model.bin');
  // The imported weights are the Try panel's current weights.
  await page.getByRole('tab', { name: /^Try/ }).click();
  await expect(page.getByTestId('try-weights')).toContainText('imported: PerceiverForMaskedLM (language-tiny)');

  const empty = join(tempDir('hf-empty'), 'no-weights');
  mkdirSync(empty, { recursive: true });
  copyFileSync(join(fixtures, 'PerceiverForMaskedLM', 'config.json'), join(empty, 'config.json'));
  await importFolder(page, empty);
  await expect(editor.notice).toContainText('has config.json but no model.safetensors or pytorch_model.bin');
  await editor.screenshot('import-hf-04-refused');
});
