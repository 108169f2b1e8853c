/**
 * Editing as a person: 20 mixed edits undone and redone exactly, copy/paste (also into another
 * graph), grouping with collapse/expand, and the problems list that jumps to the node at fault.
 */
import { expect, test } from '@playwright/test';
import { downloadGraph, EditorPage } from './pages/EditorPage';

test('undo/redo of 20 mixed edits returns to the exact starting graph', async ({ page }) => {
  test.setTimeout(180_000);
  const editor = new EditorPage(page);
  await editor.open();
  const start = await downloadGraph(page);

  const edits: (() => Promise<void>)[] = [
    () => editor.moveNode('head', 60, 20),
    () => editor.moveNode('query', -40, 30),
    async () => (await editor.selectNode('stack'), editor.setParam('heads', '8')),
    async () => (await editor.selectNode('latents'), editor.setParam('num latents', '48')),
    () => editor.dragKindToCanvas('Latent self-attention stack', { x: 640, y: 60 }),
    () => editor.dragKindToCanvas('Latent array', { x: 640, y: 300 }),
    async () => (
      await editor.connect({ node: 'latentArray', port: 'out' }, { node: 'latentStack', port: 'in' }),
      editor.release()
    ),
    () => editor.moveNode('latentStack', 30, 40),
    async () => (await editor.selectNode('latentStack'), editor.setParam('blocks', '3')),
    async () => (await editor.selectNode('latentArray'), editor.press('Delete')),
    async () => (await editor.selectNode('encoder'), editor.setParam('widening', '2')),
    async () => (
      await editor.selectNode('encoder'),
      await editor.selectNode('stack', { add: true }),
      editor.press('Control+g')
    ),
    async () => (await editor.selectNode('latentStack'), await editor.press('Control+c'), editor.press('Control+v')),
    () => editor.moveNode('patches', -30, 0),
    async () => (await editor.selectNode('decoder'), editor.setParam('widening', '3')),
    async () => (await editor.selectNode('latentStack_2'), editor.press('Delete')),
    () => editor.dragKindToCanvas('Classification head', { x: 760, y: 500 }),
    async () => (await editor.selectNode('fourier'), editor.setParam('num bands', '4')),
    () => editor.moveNode('image', 20, -20),
    async () => (await editor.selectNode('head'), editor.setParam('num classes', '12')),
  ];
  expect(edits).toHaveLength(20);
  for (const edit of edits) {
    await edit();
    await page.waitForTimeout(50);
  }
  await expect(page.getByRole('tab', { name: /unsaved changes/ })).toBeVisible();
  await expect(editor.totalParams).not.toHaveText('96,292');
  const edited = await downloadGraph(page);
  expect(edited).not.toBe(start);
  await editor.screenshot('edits-01-after-20');

  await editor.focusCanvas();
  for (let i = 0; i < 20; i++) await editor.press('Control+z');
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await expect(editor.totalParams).toHaveText('96,292');
  expect(await downloadGraph(page)).toBe(start);
  await expect(page.getByRole('tab', { name: /unsaved changes/ })).toHaveCount(0);

  await editor.focusCanvas();
  for (let i = 0; i < 20; i++) await editor.press('Control+Shift+z');
  await expect(page.getByRole('button', { name: 'Redo' })).toBeDisabled();
  expect(await downloadGraph(page)).toBe(edited);
});

test('copy and paste nodes, within a graph and into another', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.selectNode('encoder');
  await editor.selectNode('stack', { add: true });
  await editor.press('Control+c');
  await editor.press('Control+v');
  await expect(editor.nodes()).toHaveCount(11);
  await expect(editor.node('encoder_2')).toBeVisible();
  await expect(editor.node('stack_2')).toBeVisible();
  // The wire between the copied nodes came along; their inputs from outside did not.
  await expect(editor.edges()).toHaveCount(9);
  await expect(editor.node('encoder_2')).toContainText('connect the latent array');
  await editor.screenshot('paste-01-same-graph');

  await page.getByRole('button', { name: 'New graph' }).first().click();
  await expect(editor.nodes()).toHaveCount(0);
  await editor.focusCanvas();
  await editor.press('Control+v');
  await expect(editor.nodes()).toHaveCount(2);
  await expect(editor.node('encoder')).toBeVisible();
  await expect(editor.edges()).toHaveCount(1);
  await editor.press('Control+d');
  await expect(editor.nodes()).toHaveCount(4);
});

test('group nodes into a block, collapse, expand, undo', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.selectNode('encoder');
  await editor.selectNode('stack', { add: true });
  await editor.press('Control+g');
  const frame = page.getByTestId('group-block');
  await expect(frame).toContainText('Block 1');
  await expect(frame).toContainText('2 nodes · 68,186 p');
  await editor.screenshot('group-01-framed');
  await page.getByRole('button', { name: 'Collapse block Block 1' }).click();
  await expect(editor.node('encoder')).toHaveCount(0);
  await expect(editor.node('stack')).toHaveCount(0);
  await expect(editor.totalParams).toHaveText('96,292');
  await expect(page.getByRole('tabpanel', { name: 'Inspector' })).toContainText('Select a node'); // hidden members left the selection
  await editor.screenshot('group-02-collapsed');
  await page.getByRole('button', { name: 'Expand block Block 1' }).click();
  await expect(editor.node('encoder')).toBeVisible();
  await editor.focusCanvas();
  await editor.press('Control+z'); // expand
  await editor.press('Control+z'); // collapse
  await editor.press('Control+z'); // group
  await expect(frame).toHaveCount(0);
});

test('problems list names the node and jumps to it; Train says why it is disabled', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.selectNode('stack');
  await editor.setParam('heads', '5');
  await expect(editor.node('stack')).toContainText('not divisible by 5 heads');
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await expect(train).toBeDisabled();
  await expect(page.getByRole('note')).toContainText('Fix the graph first');
  await editor.focusCanvas(); // deselect
  await page.getByRole('button', { name: /1 errors?, \d+ warnings? — show problems/ }).click();
  const problem = page.getByRole('list', { name: 'Problems' }).getByRole('button').first();
  await expect(problem).toContainText('"stack"');
  await editor.screenshot('problems-01-list');
  await problem.click();
  await editor.panelTab('Inspector').click();
  await expect(page.getByRole('form', { name: 'Inspector for stack' })).toBeVisible();
  await expect(page.getByRole('form').getByRole('alert').first()).toContainText('not divisible');
  await editor.setParam('heads', '4');
  await expect(train).toBeEnabled();
});

test('save a block to the palette and drag a copy of it onto another graph', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.selectNode('encoder');
  await editor.selectNode('stack', { add: true });
  await editor.press('Control+g');
  await page.getByRole('button', { name: 'Save block Block 1 to the palette' }).click();
  const item = page.getByRole('button', { name: 'Add block Block 1' });
  await expect(item).toContainText('2 nodes: CrossAttention, LatentStack');
  await page.getByRole('button', { name: 'New graph' }).first().click();
  await item.dragTo(editor.canvas, { targetPosition: { x: 300, y: 200 } });
  await expect(editor.nodes()).toHaveCount(2);
  await expect(page.getByTestId('group-block')).toContainText('Block 1');
  await expect(editor.edges()).toHaveCount(1);
  await editor.screenshot('block-01-custom');
});

test('deleting a node in a chain offers to reconnect its neighbours', async ({ page }) => {
  const editor = new EditorPage(page);
  await editor.open();
  await editor.selectNode('stack');
  await editor.press('Delete');
  await expect(editor.node('stack')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /1 errors?/ })).toBeVisible();
  await editor.notice.getByRole('button', { name: 'Reconnect neighbours' }).click();
  await expect(page.getByRole('button', { name: /0 errors/ })).toBeVisible();
  await expect(editor.totalParams).toHaveText('45,860'); // 96,292 − the stack's 50,432
  await editor.focusCanvas();
  await editor.press('Control+z');
  await editor.press('Control+z');
  await expect(editor.totalParams).toHaveText('96,292');
});
