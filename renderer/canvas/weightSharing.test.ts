import { describe, expect, it } from 'vitest';
import { isTiedWire, sharingOf, tieLinks } from './weightSharing';

describe('weight sharing on the canvas', () => {
  it('marks a shared LatentStack as tied, one set for every block', () => {
    const s = sharingOf('LatentStack', { blocks: 4, layersPerBlock: 2, shareWeights: true })!;
    expect(s.badge).toBe('tied ×4');
    expect(s.strips).toEqual([{ label: 'blocks', sets: [0, 0, 0, 0] }]);
    expect(tieLinks(s.strips[0]!.sets)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('shows unshared repeats without a tie, and nothing for a single block', () => {
    const s = sharingOf('LatentStack', { blocks: 3, shareWeights: false })!;
    expect(s.badge).toBeNull();
    expect(tieLinks(s.strips[0]!.sets)).toEqual([]);
    expect(sharingOf('LatentStack', { blocks: 1 })).toBeNull();
  });

  it('draws the sharing schemes of RepeatedCrossAttend as the compiler applies them', () => {
    const s = sharingOf('RepeatedCrossAttend', {
      depth: 4,
      selfPerCross: 2,
      crossSharing: 'firstUnique',
      selfSharing: 'allShared',
    })!;
    expect(s.strips).toEqual([
      { label: 'cross', sets: [0, 1, 1, 1] },
      { label: 'self', sets: [0, 0, 0, 0] },
    ]);
    expect(s.badge).toBe('tied: firstUnique / allShared');
    expect(s.title).toMatch(/4 cross-attends use 2 weight sets/);
    const none = sharingOf('RepeatedCrossAttend', { depth: 3, selfPerCross: 0, crossSharing: 'none' })!;
    expect(none.badge).toBeNull();
    expect(none.strips).toHaveLength(1);
  });

  it('knows which wire carries tied embedding weights', () => {
    expect(isTiedWire('TiedEmbeddingDecoder', 'embedding')).toBe(true);
    expect(isTiedWire('TiedEmbeddingDecoder', 'in')).toBe(false);
    expect(isTiedWire('ClassificationHead', 'embedding')).toBe(false);
  });
});
