/**
 * Build the MNIST Perceiver IO from an empty canvas by drag and drop, as a person would, and
 * match the template's parameter count; then a wire the graph cannot take is refused with its
 * reason (cycle, wrong rank, port already connected).
 */
import { expect, test } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';

test('build the MNIST Perceiver IO from an empty canvas: 96,292 parameters', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await page.getByRole('button', { name: 'New graph' }).first().click();
  await expect(editor.nodes()).toHaveCount(0);
  await expect(editor.totalParams).toHaveText('0');

  const place: [string, number, number][] = [
    ['Image input', 60, 30],
    ['Latent array', 330, 30],
    ['Trainable queries', 600, 30],
    ['Image patches', 60, 200],
    ['Fourier position encoding', 60, 380],
    ['Cross-attention (encoder)', 330, 380],
    ['Latent self-attention stack', 330, 560],
    ['Decoder cross-attention', 600, 560],
    ['Classification head', 600, 720],
  ];
  for (const [title, x, y] of place) await editor.dragKindToCanvas(title, { x, y });
  await expect(editor.nodes()).toHaveCount(9);
  await editor.screenshot('build-01-dropped');
  await editor.fitView();

  const wires: [string, string, string, string][] = [
    ['imageInput', 'out', 'imagePatches', 'in'],
    ['imagePatches', 'out', 'fourierPosition', 'in'],
    ['latentArray', 'out', 'crossAttention', 'q'],
    ['fourierPosition', 'out', 'crossAttention', 'kv'],
    ['crossAttention', 'out', 'latentStack', 'in'],
    ['trainableQuery', 'out', 'decoderCrossAttention', 'q'],
    ['latentStack', 'out', 'decoderCrossAttention', 'kv'],
    ['decoderCrossAttention', 'out', 'classificationHead', 'in'],
  ];
  for (const [a, ap, b, bp] of wires) {
    await editor.connect({ node: a, port: ap }, { node: b, port: bp });
    await editor.release();
  }
  await expect(editor.edges()).toHaveCount(8);
  await expect(editor.shapeOf('fourierPosition')).toHaveText('[B, 49, 42]');

  // The template differs from the kinds' defaults in two parameters.
  await editor.selectNode('latentStack');
  await editor.setParam('heads', '4');
  await editor.selectNode('decoderCrossAttention');
  await editor.panelTab('Inspector').click();
  await page.getByRole('form').getByLabel('use query residual', { exact: true }).check();
  await expect(page.getByRole('status', { name: 'Effect of the edit' })).toContainText('96,292');
  await page.getByRole('button', { name: 'Apply' }).click();

  await expect(editor.totalParams).toHaveText('96,292');
  await expect(page.getByRole('button', { name: /0 errors/ })).toBeVisible();
  await page.getByRole('button', { name: 'Auto-layout' }).click();
  await page.waitForTimeout(600);
  await editor.screenshot('build-02-built');
});

test('an invalid wire is refused with its reason', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.dragKindToCanvas('Latent self-attention stack', { x: 620, y: 40 });
  await editor.dragKindToCanvas('Latent self-attention stack', { x: 620, y: 260 });
  await expect(editor.nodes()).toHaveCount(11);
  await editor.connect({ node: 'latentStack', port: 'out' }, { node: 'latentStack_2', port: 'in' });
  await editor.release();
  await expect(editor.edges()).toHaveCount(9);

  // Cycle: the hint says why while hovering, and the release shows it again.
  await editor.connect({ node: 'latentStack_2', port: 'out' }, { node: 'latentStack', port: 'in' });
  await expect(page.getByTestId('connect-hint')).toContainText('would create a cycle');
  await editor.screenshot('wire-01-cycle-hint');
  await editor.release();
  await expect(editor.notice).toContainText('Cannot connect: That wire would create a cycle');
  await expect(editor.edges()).toHaveCount(9);

  // Wrong rank: image patches are a [B, 7, 7, 16] grid, the stack takes [N, D] latents.
  await editor.connect({ node: 'patches', port: 'out' }, { node: 'latentStack', port: 'in' });
  await expect(page.getByTestId('connect-hint')).toContainText('Wrong rank');
  await editor.release();
  await expect(editor.notice).toContainText(/Wrong rank.*\[B, 7, 7, 16\] has rank 3/);

  // Port taken.
  await editor.connect({ node: 'latents', port: 'out' }, { node: 'stack', port: 'in' });
  await expect(page.getByTestId('connect-hint')).toContainText('already connected');
  await editor.release();
  await expect(editor.notice).toContainText(/already connected \(from "encoder"\)/);
  await expect(editor.edges()).toHaveCount(9);
  await expect(editor.totalParams).toHaveText(/\d/);
});

test('the cost view shows per-node costs and the Perceiver/transformer crossover', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.panelTab('Costs').click();
  await expect(page.getByRole('table', { name: 'Parameters and FLOPs per node' })).toContainText('stack');
  await expect(page.getByTestId('crossover')).toContainText(/The transformer costs more from M ≈ \d+ inputs/);
  await editor.screenshot('costs-01');
  // More latents move the crossover to larger inputs.
  const before = Number(
    (await page.getByTestId('crossover').textContent())!.match(/M ≈ ([\d,]+)/)![1]!.replace(/,/g, ''),
  );
  await editor.selectNode('latents');
  await editor.setParam('num latents', '256');
  await editor.panelTab('Costs').click();
  const after = Number(
    (await page.getByTestId('crossover').textContent())!.match(/M ≈ ([\d,]+)/)![1]!.replace(/,/g, ''),
  );
  expect(after).toBeGreaterThan(before);
});

test('dropping a node onto a wire inserts it into the wire', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await page
    .getByRole('button', { name: 'Add Latent self-attention stack', exact: true })
    .dragTo(editor.edgeLabel('e5'));
  await expect(editor.nodes()).toHaveCount(10);
  await expect(editor.edgeLabel('e5')).toHaveCount(0);
  await expect(editor.edges()).toHaveCount(9);
  await expect(page.getByRole('button', { name: /0 errors/ })).toBeVisible();
  // + one more 2-layer latent stack of width 64 (50,432 parameters, like the template's own).
  await expect(editor.totalParams).toHaveText('146,724');
  await editor.focusCanvas();
  await editor.press('Control+z');
  await expect(editor.totalParams).toHaveText('96,292');
  await expect(editor.edgeLabel('e5')).toBeVisible();
});

test('a wire dropped on empty canvas offers only kinds that accept it, and connects the choice', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  const src = editor.node('latents').locator('.react-flow__handle.source[data-handleid="out"]');
  // The view may still be fitting itself: wait until the port stops moving, then drop the wire on
  // a point of bare canvas (not a node, an edge or a label), wherever the layout put things.
  let box = (await src.boundingBox())!;
  await expect
    .poll(async () => {
      const now = (await src.boundingBox())!;
      const still = Math.abs(now.x - box.x) < 0.5 && Math.abs(now.y - box.y) < 0.5;
      box = now;
      return still;
    })
    .toBe(true);
  const canvas = (await editor.canvas.boundingBox())!;
  const drop = await page.evaluate(
    ({ c, from }) => {
      for (let y = c.y + 60; y < c.y + c.height - 60; y += 20) {
        for (let x = c.x + c.width - 60; x > c.x + 60; x -= 20) {
          if (Math.hypot(x - from.x, y - from.y) < 120) continue;
          const el = document.elementFromPoint(x, y);
          if (el?.classList.contains('react-flow__pane')) return { x, y };
        }
      }
      return null;
    },
    { c: canvas, from: { x: box.x, y: box.y } },
  );
  expect(drop, 'a point of bare canvas to drop the wire on').not.toBeNull();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(drop!.x, drop!.y, { steps: 8 });
  await page.mouse.up();
  const dialog = page.getByRole('dialog', { name: 'Add node' });
  await expect(dialog.getByRole('textbox')).toHaveAttribute('placeholder', /accepts this wire/);
  await expect(dialog.getByRole('option', { name: /Latent self-attention stack/ })).toBeVisible();
  await expect(dialog.getByRole('option', { name: /^Image patches/ })).toHaveCount(0);
  await dialog.getByRole('option', { name: /Latent self-attention stack/ }).click();
  await expect(editor.nodes()).toHaveCount(10);
  await expect(editor.edges()).toHaveCount(9);
  await expect(editor.shapeOf('latentStack')).toHaveText('[B, 32, 64]');
});
