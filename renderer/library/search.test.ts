import { describe, expect, it } from 'vitest';
import type { TemplateSummary } from '../../electron/ipc-contract';
import { displayName, filterTemplates, libraryFileName, matchesQuery } from './search';

const t = (p: Partial<TemplateSummary>): TemplateSummary => ({
  scope: 'builtin',
  name: 'x.json',
  title: 'X',
  description: '',
  tags: [],
  totalParams: 1,
  modifiedMs: 0,
  ...p,
});

describe('library search', () => {
  const io = t({
    name: 'mnist-perceiver-io.json',
    title: 'MNIST Perceiver IO',
    description: 'Digits with a trainable query',
    tags: ['mnist', 'classification'],
  });
  const mlm = t({
    name: 'perceiver-io-mlm.json',
    title: 'Perceiver IO MLM',
    description: 'Masked language model on UTF-8 bytes',
    tags: ['text'],
  });
  const mine = t({ scope: 'user', name: 'my net.perceiver.json', title: 'My net', tags: ['mnist'] });

  it('needs every word, in any field, case-insensitively', () => {
    expect(matchesQuery(io, 'mnist query')).toBe(true);
    expect(matchesQuery(io, 'MNIST bytes')).toBe(false);
    expect(matchesQuery(mlm, 'utf-8')).toBe(true);
    expect(matchesQuery(mlm, '')).toBe(true);
  });

  it('tag: matches a whole tag only', () => {
    expect(matchesQuery(io, 'tag:mnist')).toBe(true);
    expect(matchesQuery(io, 'tag:mni')).toBe(false);
  });

  it('filters by scope', () => {
    expect(filterTemplates([io, mlm, mine], 'user', '').map((x) => x.name)).toEqual(['my net.perceiver.json']);
    expect(filterTemplates([io, mlm, mine], 'all', 'tag:mnist')).toHaveLength(2);
    expect(filterTemplates([io, mlm, mine], 'builtin', 'perceiver io')).toHaveLength(2);
  });

  it('makes safe library file names', () => {
    expect(libraryFileName('My net')).toBe('My net.perceiver.json');
    expect(libraryFileName('../../etc/passwd')).toBe('etc passwd.perceiver.json');
    expect(libraryFileName('a:b*c?')).toBe('a b c.perceiver.json');
    expect(libraryFileName('...')).toBe('graph.perceiver.json');
    expect(displayName('My net.perceiver.json')).toBe('My net');
    expect(displayName('x.json')).toBe('x');
  });
});
