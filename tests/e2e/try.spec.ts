/**
 * The Try tab as a person uses it: before any training it asks for weights; train the default
 * MNIST template briefly, draw a digit on the pad with the mouse (real pointer events) and watch
 * the prediction appear while the button is still down, with the encoder attention over the
 * drawing and the decoder's query × latent map; drop a PNG (and a broken one: a named error);
 * change the graph (refused with the change) and undo. Then the byte MLM template on a text file:
 * type text with "_" and marked characters and read the filled-in bytes with probabilities.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { parseNpz } from '../../engine/data/npy';
import { csvText, tempDir, writeCsv } from './dataFixtures';
import { DatasetPage } from './pages/DatasetPage';
import { EditorPage, runCommand } from './pages/EditorPage';
import { FilesPage } from './pages/FilesPage';
import { TrainingPage } from './pages/TrainingPage';
import { TryPage } from './pages/TryPage';

/** A 56×56 grey PNG of a "7" (white strokes on black), as a scanned digit would be. */
function sevenPng(): Buffer {
  const png = new PNG({ width: 56, height: 56 });
  for (let y = 0; y < 56; y++)
    for (let x = 0; x < 56; x++) {
      const top = y >= 10 && y < 16 && x >= 12 && x < 44;
      const diag = y >= 16 && y < 48 && Math.abs(x - (44 - (y - 16) * 0.55)) < 3.5;
      const v = top || diag ? 255 : 0;
      const i = (y * 56 + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

test('Try on MNIST: draw a digit, see the prediction and its attention; drop a PNG; refuse a changed graph', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const editor = new EditorPage(page);
  const training = new TrainingPage(page);
  const tryTab = new TryPage(page);
  await editor.open();

  await tryTab.show();
  await expect(tryTab.state).toContainText('No weights yet: train or import first');
  await tryTab.screenshot('try-01-no-weights');

  await training.setShortRun(1, 32, 30);
  await training.trainButton.click();
  await expect(training.status).toHaveText('Finished', { timeout: 200_000 });

  await tryTab.show();
  await expect(tryTab.weights).toContainText('MNIST Perceiver IO #1, 1 epoch completed');
  await expect(tryTab.pad).toHaveAttribute('width', '280');
  await expect(tryTab.pad).toHaveAttribute('aria-label', /28×28 grey, ×10/);

  // A "1": one vertical stroke. The prediction must show up while the mouse is still down.
  let duringStroke: { name: string; p: number }[] = [];
  await tryTab.drawStroke(
    [
      [0.5, 0.18],
      [0.5, 0.5],
    ],
    {
      whileDown: async () => {
        duringStroke = await tryTab.topK();
        const box = (await tryTab.pad.boundingBox())!;
        await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.82 * box.height, { steps: 10 });
      },
    },
  );
  expect(duringStroke.length).toBe(5);
  const top = await tryTab.topK();
  expect(top).toHaveLength(5);
  for (const t of top) expect(t.name).toMatch(/^\d$/);
  // Probabilities top first, summing to at most 1 (the rest are outside the top 5).
  for (let i = 1; i < top.length; i++) expect(top[i]!.p).toBeLessThanOrEqual(top[i - 1]!.p);
  const sum = top.reduce((a, t) => a + t.p, 0);
  expect(sum).toBeGreaterThan(0.3);
  expect(sum).toBeLessThanOrEqual(1.01);
  // What the model saw is the stroke, shrunk to 28×28: a bright column in the middle.
  const seen = await tryTab.canvasStats(tryTab.seen);
  expect(seen.bright / seen.pixels).toBeGreaterThan(0.02);
  expect(seen.bright / seen.pixels).toBeLessThan(0.3);
  // The attention over the drawing: a heat map (many colours, tinted), and the decoder's map.
  await expect(tryTab.attentionMap).toBeVisible();
  const map = await tryTab.canvasStats(tryTab.attentionMap);
  expect(map.colours).toBeGreaterThan(10);
  expect(map.tinted / map.pixels).toBeGreaterThan(0.5);
  await expect(tryTab.decoderMap).toBeVisible();
  await tryTab.screenshot('try-02-drawn');
  await tryTab.panelShot('try-02b-drawn-attention', tryTab.decoderMap);

  // The eraser takes the lower half of the stroke away: the model sees less ink.
  const tools = page.getByRole('toolbar', { name: 'Drawing tools' });
  await tools.getByRole('button', { name: 'Eraser' }).click();
  await tryTab.drawStroke([
    [0.5, 0.55],
    [0.5, 0.9],
  ]);
  await expect
    .poll(async () => (await tryTab.canvasStats(tryTab.seen)).bright, { timeout: 10_000 })
    .toBeLessThan(seen.bright * 0.8);
  await tools.getByRole('button', { name: 'Brush' }).click();

  // One latent instead of the mean: a different picture.
  await page.getByRole('combobox', { name: 'Latent shown' }).selectOption({ label: 'latent 3' });
  await expect(tryTab.attentionMap).toHaveAttribute('data-latent', '2');

  await tryTab.clearPad();
  await expect(tryTab.prediction).toHaveCount(0);

  // The run stored a checkpoint each epoch: its weights can be the current ones too.
  await page.getByRole('button', { name: 'Use checkpoint (epoch 1)' }).click();
  await expect(tryTab.weights).toContainText(/checkpoint after epoch 1 \(step 30,/);
  await tryTab.drawStroke([
    [0.3, 0.3],
    [0.7, 0.3],
    [0.45, 0.8],
  ]);
  await expect(tryTab.classes).toHaveCount(5);
  await page.getByRole('button', { name: 'Use the last run' }).click();
  await expect(tryTab.weights).toContainText('MNIST Perceiver IO #1, 1 epoch completed');
  await tryTab.clearPad();

  // Drop a PNG: decoded and resized as a training image, predicted.
  await tryTab.dropFile('seven.png', sevenPng(), 'image/png');
  await expect(page.getByTestId('try-file')).toContainText('seven.png');
  await expect(tryTab.classes).toHaveCount(5);
  const seenPng = await tryTab.canvasStats(tryTab.seen);
  expect(seenPng.bright).toBeGreaterThan(0);
  await tryTab.panelShot('try-03-dropped-png', tryTab.attentionMap);

  // A file that is not an image: a named error.
  await tryTab.dropFile('broken.png', Buffer.from('this is not a png'), 'image/png');
  await expect(tryTab.error).toContainText('broken.png');
  await expect(tryTab.error).toContainText(/cannot decode the image/);

  // Change the graph: the weights do not belong to it any more, and the panel says why.
  await editor.selectNode('latents');
  await editor.setParam('num latents', '48');
  await tryTab.show();
  await expect(tryTab.state).toContainText('The graph has changed since these weights');
  await expect(tryTab.state).toContainText('latents.numLatents is 48 (trained with 32)');
  await expect(tryTab.pad).toHaveCount(0);
  await tryTab.screenshot('try-04-changed');
  await editor.press('Control+z');
  await expect(tryTab.pad).toBeVisible();
  await expect(tryTab.state).toHaveCount(0);
});

const prose =
  'Perceivers attend to their inputs through a small latent array. The cross-attention maps a large input onto the latents, and a stack of self-attention layers refines them. ';

test('Try on the byte MLM: type text, fill the hidden bytes', async ({ page }) => {
  test.setTimeout(200_000);
  const file = join(tempDir('try-text'), 'notes.txt');
  writeFileSync(file, prose.repeat(30).slice(0, 4096));
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  const tryTab = new TryPage(page);
  await editor.open();
  const d = await new FilesPage(page).openDialog();
  await d.getByRole('tab', { name: 'Templates' }).click();
  await d.getByRole('button', { name: /^Tiny byte-level masked language model/ }).click();
  await expect(page.getByRole('tab', { name: /Tiny byte-level/ })).toBeVisible();
  await data.chooseFile(file);
  await expect(data.binding).toContainText('Fits the graph');

  await training.setShortRun(2, 8, 4);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished/, { timeout: 150_000 });

  await tryTab.show();
  await expect(tryTab.weights).toContainText('Tiny byte-level masked language model #1, 2 epochs completed');
  await tryTab.textBox.fill('The cross-attention maps a large inp_t onto the latents');
  await expect(tryTab.tokens).toHaveCount(1);
  // One hidden byte: its candidates with probabilities, and the text with it filled in.
  await expect(tryTab.tokens.first()).toContainText(/^37/);
  await expect(tryTab.tokens.first().locator('.cand')).toHaveCount(5);
  await expect(tryTab.tokens.first()).toContainText(/\d+(\.\d+)?%/);
  await expect(tryTab.filled).toContainText(/^The cross-attention maps a large inp.t onto the latents$/);

  // Click two more characters to hide them: three positions to fill.
  const chars = page.getByTestId('try-chars').getByRole('button');
  await chars.nth(0).click();
  await chars.nth(4).click();
  await expect(tryTab.tokens).toHaveCount(3);
  await expect(page.getByTestId('try-strip')).toBeVisible();
  await expect(tryTab.decoderMap).toBeVisible();
  await tryTab.screenshot('try-05-text');
  await tryTab.panelShot('try-05b-text-output', tryTab.decoderMap);
});

test('Try on the tabular template: one field per CSV column, top-k species, a named error for a bad field', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const csv = writeCsv(tempDir('try-csv'), 'flowers.csv', csvText(150));
  const editor = new EditorPage(page);
  const data = new DatasetPage(page);
  const training = new TrainingPage(page);
  const tryTab = new TryPage(page);
  await editor.open();
  const d = await new FilesPage(page).openDialog();
  await d.getByRole('tab', { name: 'Templates' }).click();
  await d.getByRole('button', { name: /^Tabular Perceiver/ }).click();
  await data.chooseFile(csv);
  await expect(data.binding).toContainText('Fits the graph');
  await training.setShortRun(12, 16, 7);
  await training.trainButton.click();
  await expect(training.status).toHaveText(/Finished/, { timeout: 120_000 });

  await tryTab.show();
  const form = page.getByRole('form', { name: 'Table row' });
  // The fields are the CSV's feature columns, started from its first row as read from the file.
  for (const name of ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'])
    await expect(form.getByRole('textbox', { name, exact: true })).toBeVisible();
  await expect(form.getByRole('textbox', { name: 'species' })).toHaveCount(0);
  // A "versicolor" row: features 2, 5 and 8 high (class 1 of the generator: j % 3 === 1).
  const row = ['0', '2', '0', '0', '2', '0', '0', '2'];
  for (let j = 0; j < 8; j++) await form.getByRole('textbox', { name: `f${j + 1}`, exact: true }).fill(row[j]!);
  await form.getByRole('button', { name: 'Predict' }).click();
  const top = await tryTab.topK();
  expect(top.map((t) => t.name).sort()).toEqual(['setosa', 'versicolor', 'virginica']);
  expect(top[0]!.name).toBe('versicolor');
  await tryTab.screenshot('try-06-table');

  await form.getByRole('textbox', { name: 'f3', exact: true }).fill('abc');
  await form.getByRole('button', { name: 'Predict' }).click();
  await expect(tryTab.error).toContainText('the field “f3” has "abc", which is not a number');
});

const hfFixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'hf-fixtures');

test('Try a model folder from import-hf (the MLM fixture): its graph opens, "_" is filled with the byte and probability the CLI predict gives', async ({
  page,
}) => {
  test.skip(!existsSync(join(hfFixtures, 'PerceiverForMaskedLM')), `no HF fixtures at ${hfFixtures}`);
  test.setTimeout(150_000);
  const dir = tempDir('try-hf');
  const folder = join(dir, 'mlm-model');
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/perceiver-studio.js', ...args], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  cli(['import-hf', join(hfFixtures, 'PerceiverForMaskedLM'), '--out', folder]);
  writeFileSync(join(dir, 'hello.txt'), 'Hello _orld');
  // The CLI's logits for the same text ([CLS] Hello [MASK]orld [SEP], HF's tokenizer layout): the hidden byte is token 7.
  cli(['predict', folder, join(dir, 'hello.txt'), '--out', join(dir, 'hello.npz')]);
  const logits = (await parseNpz(new Uint8Array(readFileSync(join(dir, 'hello.npz'))))).get('logits')!;
  const row = Array.from(logits.data.subarray(7 * 262, 8 * 262));
  const best = row.indexOf(Math.max(...row));
  const pBest = 1 / row.reduce((a, v) => a + Math.exp(v - row[best]!), 0);
  const bestText =
    best >= 38 && best < 133 ? String.fromCharCode(best - 6) : `0x${(best - 6).toString(16).padStart(2, '0')}`;

  const editor = new EditorPage(page);
  const tryTab = new TryPage(page);
  await editor.open();
  await tryTab.show();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open a model folder…' }).click();
  await (await chooser).setFiles(folder);
  await expect(tryTab.weights).toContainText(
    'model folder mlm-model (Hugging Face PerceiverForMaskedLM, text as its tokenizer lays it out)',
  );
  // Its graph opened in a tab of its own, so the editor's graph is the weights' graph.
  await expect(page.getByRole('tab', { name: /Perceiver IO masked language model/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(page.getByText('0 of 14 bytes')).toBeVisible();
  await tryTab.show();
  await tryTab.textBox.fill('Hello _orld');
  await expect(page.getByText('11 of 14 bytes · 1 to fill')).toBeVisible();
  await expect(tryTab.tokens).toHaveCount(1);
  await expect(tryTab.tokens.first()).toContainText(/^7/);
  // The same weights, tokenizer layout and forward pass as the CLI's predict: the same top byte, the same probability.
  const top = tryTab.tokens.first().locator('.cand').first();
  await expect(top).toContainText(`${bestText} ${(pBest * 100).toFixed(1)}%`);
  await tryTab.panelShot('try-07-hf-model-folder', tryTab.filled);

  // A folder that is not a model folder: named.
  const chooser2 = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open a model folder…' }).click();
  await (await chooser2).setFiles(join(hfFixtures, 'PerceiverForMaskedLM'));
  await expect(tryTab.error).toContainText('PerceiverForMaskedLM has no graph.json');
});

test('Try right after "Import from Hugging Face…" (the MLM fixture, no training): the import’s own weights', async ({
  page,
}) => {
  test.skip(!existsSync(join(hfFixtures, 'PerceiverForMaskedLM')), `no HF fixtures at ${hfFixtures}`);
  test.setTimeout(120_000);
  const editor = new EditorPage(page);
  const tryTab = new TryPage(page);
  await editor.open();
  const chooser = page.waitForEvent('filechooser');
  await runCommand(page, 'Import from Hugging Face');
  await (await chooser).setFiles(join(hfFixtures, 'PerceiverForMaskedLM'));
  await expect(editor.notice).toContainText('Imported PerceiverForMaskedLM', { timeout: 60_000 });
  await tryTab.show();
  await expect(tryTab.weights).toContainText(/imported:? PerceiverForMaskedLM/);
  await expect(page.getByText('0 of 14 bytes')).toBeVisible();
  await tryTab.textBox.fill('Hello _orld');
  await expect(tryTab.tokens).toHaveCount(1);
  // The same fixture weights as the import-hf model folder above, so the same top byte (HF's tokenizer layout).
  const dir = tempDir('try-hf-app');
  const r = spawnSync(
    process.execPath,
    ['bin/perceiver-studio.js', 'import-hf', join(hfFixtures, 'PerceiverForMaskedLM'), '--out', join(dir, 'm')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  writeFileSync(join(dir, 'hello.txt'), 'Hello _orld');
  const p = spawnSync(
    process.execPath,
    ['bin/perceiver-studio.js', 'predict', join(dir, 'm'), join(dir, 'hello.txt'), '--out', join(dir, 'hello.npz')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(p.status, p.stderr).toBe(0);
  const logits = (await parseNpz(new Uint8Array(readFileSync(join(dir, 'hello.npz'))))).get('logits')!;
  const row = Array.from(logits.data.subarray(7 * 262, 8 * 262));
  const best = row.indexOf(Math.max(...row));
  const bestText =
    best >= 38 && best < 133 ? String.fromCharCode(best - 6) : `0x${(best - 6).toString(16).padStart(2, '0')}`;
  await expect(tryTab.tokens.first().locator('.cand').first()).toContainText(bestText);
  await tryTab.panelShot('try-08-hf-import', tryTab.filled);
});

test('Try an imported HF image classifier built for 8×8 images (the Learned fixture) on an ordinary PNG: the class and probability the CLI predict gives', async ({
  page,
}) => {
  const fixture = join(hfFixtures, 'PerceiverForImageClassificationLearned');
  test.skip(!existsSync(fixture), `no HF fixtures at ${hfFixtures}`);
  test.setTimeout(120_000);
  const editor = new EditorPage(page);
  const tryTab = new TryPage(page);
  await editor.open();
  const chooser = page.waitForEvent('filechooser');
  await runCommand(page, 'Import from Hugging Face');
  await (await chooser).setFiles(fixture);
  await expect(editor.notice).toContainText('Imported PerceiverForImageClassificationLearned', { timeout: 60_000 });
  await tryTab.show();
  await expect(tryTab.weights).toContainText(/imported:? PerceiverForImageClassificationLearned/);
  // A 40×48 colour picture: HF's processor crops 35×35 (224/256 of the short side), then resizes to the model's 8×8
  // (issue: the crop was once 8/256 of the side, nothing at all for an 8-pixel image).
  const png = new PNG({ width: 48, height: 40 });
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 48; x++) {
      const i = (y * 48 + x) * 4;
      png.data[i] = Math.round((255 * x) / 47);
      png.data[i + 1] = Math.round((255 * y) / 39);
      png.data[i + 2] = x > 16 && x < 32 && y > 10 && y < 30 ? 230 : 20;
      png.data[i + 3] = 255;
    }
  const bytes = PNG.sync.write(png);
  await tryTab.dropFile('colours.png', bytes, 'image/png');
  await expect(page.getByTestId('try-file')).toContainText('colours.png');
  await expect(tryTab.error).toHaveCount(0);
  const top = await tryTab.topK();

  const dir = tempDir('try-hf-image');
  writeFileSync(join(dir, 'colours.png'), bytes);
  const r = spawnSync(process.execPath, ['bin/perceiver-studio.js', 'import-hf', fixture, '--out', join(dir, 'm')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const p = spawnSync(
    process.execPath,
    [
      'bin/perceiver-studio.js',
      'predict',
      join(dir, 'm'),
      join(dir, 'colours.png'),
      '--top-k',
      '1',
      '--out',
      join(dir, 'c.npz'),
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(p.status, p.stderr).toBe(0);
  const cli = p.stdout.match(/colours\.png: (\S+) [\d.]+%/);
  expect(cli, p.stdout).not.toBeNull();
  const logits = Array.from((await parseNpz(new Uint8Array(readFileSync(join(dir, 'c.npz'))))).get('logits')!.data);
  const m = Math.max(...logits);
  const pBest = 1 / logits.reduce((s, v) => s + Math.exp(v - m), 0);
  expect(top[0]!.name).toBe(cli![1]);
  expect(Math.abs(top[0]!.p - pBest)).toBeLessThan(0.0006);
  await tryTab.panelShot('try-09-hf-image', tryTab.classes.first());
});
