/**
 * `perceiver-studio export <model-dir> --format hf --out DIR [--force] [--json]`: a model folder
 * of an imported or fine-tuned Hugging Face model → config.json + model.safetensors that HF's
 * `from_pretrained` of the original class loads (same keys, shapes, dtypes).
 */
import { resolve } from 'node:path';
import { useNodeBackend } from '../node/backend.js';
import { exportHfFolder } from '../node/hfExport.js';
import { readModelFolder } from '../node/modelFolder.js';
import { UsageError } from './main.js';

type Out = { log: (s: string) => void; err: (s: string) => void };

export async function exportHfCommand(
  opts: { modelDir: string | undefined; out: string | undefined; force?: boolean; json?: boolean },
  out: Out,
): Promise<number> {
  if (!opts.modelDir)
    throw new UsageError(
      'export --format hf needs the model folder to export (written by import-hf or train --save-model)',
    );
  if (!opts.out) throw new UsageError('export --format hf needs --out DIR (the Hugging Face folder to write)');
  await useNodeBackend('cpu');
  const loaded = await readModelFolder(opts.modelDir);
  try {
    const r = exportHfFolder(loaded, resolve(opts.out), { force: opts.force });
    const cls = loaded.info.source?.kind === 'huggingface' ? loaded.info.source.class : loaded.doc.origin?.hfClass;
    if (opts.json)
      out.log(JSON.stringify({ exported: cls, out: resolve(opts.out), files: r.files, stateDictEntries: r.keys }));
    else {
      out.log(`Exported ${cls} to ${resolve(opts.out)}: config.json, model.safetensors (${r.keys} state-dict entries)`);
      out.log(`Load it in Python: transformers.${cls}.from_pretrained("${opts.out}")`);
    }
    return 0;
  } finally {
    loaded.model.dispose();
  }
}
