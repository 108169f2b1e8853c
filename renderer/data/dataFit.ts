/**
 * Data and graph side by side: whether the loaded data fits the open graph (the reason when it
 * does not, which also disables ▶ Train), and — where param edits cannot make it fit — the
 * built-in template for this kind of data, already fitted to it ("This is a table of 64 numeric
 * columns: open Tabular Perceiver fitted to it"), so the Dataset tab is never a dead end.
 */
import { useMemo } from 'react';
import type { Dataset } from '../../engine/data/dataset';
import { analyse } from '../../engine/graph/analyse';
import { loadGraphDoc } from '../../engine/graph/load';
import type { GraphDoc } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';
import { BindError, bindToData, fromDataParams } from '../../engine/train/bindData';
import { fitToData, formatChange } from '../../engine/train/fitToData';
import { planTraining } from '../../engine/train/lossPlan';
import audioTemplate from '../../templates/audio-perceiver.json?raw';
import bytesTemplate from '../../templates/bytes-mlm-tiny.json?raw';
import mnistTemplate from '../../templates/mnist-perceiver-io.json?raw';
import pointTemplate from '../../templates/pointcloud-perceiver.json?raw';
import tabularTemplate from '../../templates/tabular-perceiver.json?raw';
import type { DataPreviewInfo } from '../worker/protocol';
import { activeDoc, useEditor } from '../state/store';
import { sourceMatches, useData } from './dataStore';

type Preview = Pick<
  DataPreviewInfo,
  'name' | 'kind' | 'inputShape' | 'classNames' | 'targets' | 'sizes' | 'content' | 'moreInputShapes'
>;

export type BindCheck = { ok: true; filled: string[] } | { ok: false; message: string; nodeId?: string };

const checks = new WeakMap<GraphDoc, WeakMap<object, BindCheck>>();

/** Does this graph train on this data? (bindToData, then every head's loss against the targets.) */
export function checkBinding(doc: GraphDoc, p: Preview): BindCheck {
  const cached = checks.get(doc)?.get(p);
  if (cached) return cached;
  let r: BindCheck;
  try {
    const data = {
      name: p.name,
      inputShape: p.inputShape,
      numClasses: p.classNames.length,
      targets: p.targets,
      moreInputShapes: p.moreInputShapes,
    };
    const bound = bindToData(doc, data);
    const a = analyse(bound.doc);
    if (a.valid) planTraining(a, data as Dataset);
    r = { ok: true, filled: bound.filled };
  } catch (err) {
    if (!(err instanceof BindError)) throw err;
    r = { ok: false, message: err.message, nodeId: err.nodeId };
  }
  if (!checks.has(doc)) checks.set(doc, new WeakMap());
  checks.get(doc)!.set(p, r);
  return r;
}

/** "a table of 64 numeric columns", "a folder of 1,200 audio clips in 10 classes" … */
export function describeData(p: Preview): string {
  const n = p.sizes.train + p.sizes.validation + p.sizes.test;
  const classes = p.targets?.[0]?.kind === 'values' ? 'real-valued targets' : `${p.classNames.length} classes`;
  if (p.kind === 'text') return 'a text file (masked-byte windows)';
  if (p.content === 'audio') return `a folder of ${n.toLocaleString('en-US')} audio clips in ${classes}`;
  if (p.content === 'points') return `a folder of ${n.toLocaleString('en-US')} point clouds / meshes in ${classes}`;
  if (p.kind === 'images' || p.kind === 'mnist')
    return `${p.kind === 'mnist' ? 'the MNIST digits' : `a folder of ${n.toLocaleString('en-US')} images`} (${p.inputShape.join('×')}) in ${classes}`;
  if (p.inputShape.length === 1)
    return `a table of ${p.inputShape[0]} numeric column${p.inputShape[0] === 1 ? '' : 's'} with ${classes}`;
  return `an array dataset of [${p.inputShape.join(', ')}] examples with ${classes}`;
}

const TEMPLATES: Record<string, string> = {
  'tabular-perceiver.json': tabularTemplate,
  'mnist-perceiver-io.json': mnistTemplate,
  'audio-perceiver.json': audioTemplate,
  'pointcloud-perceiver.json': pointTemplate,
  'bytes-mlm-tiny.json': bytesTemplate,
};

function templateFor(p: Preview): string | undefined {
  if (p.kind === 'text') return 'bytes-mlm-tiny.json';
  if (p.content === 'audio') return 'audio-perceiver.json';
  if (p.content === 'points') return 'pointcloud-perceiver.json';
  if (p.kind === 'images' || p.kind === 'mnist') return 'mnist-perceiver-io.json';
  if (p.kind === 'table' && p.inputShape.length === 1) return 'tabular-perceiver.json';
  return undefined;
}

export interface TemplateSuggestion {
  file: string;
  title: string;
  /** The template with its sizes fitted to the data and the current data binding. */
  doc: GraphDoc;
  /** "This is a table of 64 numeric columns: open Tabular Perceiver fitted to it". */
  text: string;
  changes: string[];
}

/** The built-in template that fits this data after fitting its sizes, if the open graph is not it. */
export function suggestTemplate(doc: GraphDoc, p: Preview): TemplateSuggestion | null {
  const file = templateFor(p);
  if (!file) return null;
  const template = loadGraphDoc(TEMPLATES[file]!, file);
  const fit = fitToData(
    template,
    { inputShape: p.inputShape, numClasses: p.classNames.length },
    { classTargets: (p.targets?.[0]?.kind ?? 'classes') === 'classes' },
  );
  if (fit.problem) return null;
  // The same binding as the open graph: the new tab trains on the data already picked.
  const fitted: GraphDoc = { ...fit.doc, data: doc.data ?? fit.doc.data };
  if (!checkBinding(fitted, p).ok) return null;
  const title = template.name.replace(/\s*\(.*\)\s*$/, '');
  return {
    file,
    title,
    doc: fitted,
    text: `This is ${describeData(p)}: open ${title} fitted to it`,
    changes: fit.changes.map(formatChange),
  };
}

/**
 * Why ▶ Train cannot start on the loaded data, or null (no preview yet, the built-in digits, or
 * it fits). Recomputed only when the graph or the preview changes.
 */
export function useDataDisagreement(): string | null {
  const doc = useEditor((s) => activeDoc(s));
  const preview = useData((s) => s.preview);
  const status = useData((s) => s.status);
  return useMemo(() => {
    if (!preview || status !== 'ready' || !doc.data || doc.data.source === 'mnist' || !sourceMatches(doc)) return null;
    const r = checkBinding(doc, preview);
    return r.ok ? null : r.message;
  }, [doc, preview, status]);
}

/** True when some node leaves a size at 0 ("from the data"). */
function hasAutoParams(doc: GraphDoc): boolean {
  return doc.nodes.some((n) => {
    const k = getKind(n.kind);
    return !!k && fromDataParams(k, n.params).length > 0;
  });
}

/**
 * The graph with its "from the data" (0) sizes resolved from the loaded data, for the analyser:
 * the canvas then shows real shapes and the inspector "auto → 64". Unchanged without data, or
 * when the data cannot fill them (the Dataset tab says why).
 */
export function resolveFromData(doc: GraphDoc, p: Preview | null): GraphDoc {
  if (!p || !hasAutoParams(doc)) return doc;
  try {
    return bindToData(doc, {
      inputShape: p.inputShape,
      numClasses: p.classNames.length,
      targets: p.targets,
      moreInputShapes: p.moreInputShapes,
    }).doc;
  } catch {
    return doc;
  }
}

export function useResolvedDoc(doc: GraphDoc): GraphDoc {
  const preview = useData((s) => s.preview);
  const status = useData((s) => s.status);
  return useMemo(
    () => (status === 'ready' && sourceMatches(doc) ? resolveFromData(doc, preview) : doc),
    [doc, preview, status],
  );
}
