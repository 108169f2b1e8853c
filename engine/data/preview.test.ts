import { describe, expect, it } from 'vitest';
import { previewDataset } from './preview.js';
import { parseCsv } from './csv.js';
import { arrayDataset } from './tabular.js';

describe('previewDataset', () => {
  it('reports sizes, class balance of the train split and labelled samples', async () => {
    const rows = ['a,b,c'];
    for (let i = 0; i < 40; i++) rows.push(`${i},${i * 2},${i % 4 === 0 ? 'rare' : 'common'}`);
    const ds = arrayDataset('t.csv', parseCsv(rows.join('\n')), { validationFraction: 0, testFraction: 0 });
    const p = await previewDataset(ds, { samples: 5 });
    expect(p.sizes).toEqual({ train: 40, validation: 0, test: 0 });
    expect(p.classNames).toEqual(['common', 'rare']);
    expect(p.classCounts).toEqual([30, 10]);
    expect(p.classCountsSampled).toBe(false);
    expect(p.samples).toHaveLength(5);
    for (const s of p.samples) expect(s.className).toBe(s.x[0]! % 4 === 0 ? 'rare' : 'common');
    expect(p.stats.min).toBeGreaterThanOrEqual(0);
    expect(p.stats.max).toBeLessThanOrEqual(78);
  });
  it('samples the balance of a large split instead of reading it all', async () => {
    const rows = ['a,c'];
    for (let i = 0; i < 500; i++) rows.push(`${i},${i % 2}`);
    const ds = arrayDataset('t.csv', parseCsv(rows.join('\n')), { validationFraction: 0, testFraction: 0 });
    const p = await previewDataset(ds, { countLimit: 100 });
    expect(p.classCountsSampled).toBe(true);
    expect(p.classCounts[0]! + p.classCounts[1]!).toBe(100);
  });
});
