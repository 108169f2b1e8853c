/**
 * HF PerceiverTokenizer (byte level): PAD 0, BOS 1, EOS 2, MASK 3, CLS 4, SEP 5, every UTF-8 byte
 * b → b + 6; a sequence is [CLS] bytes [SEP]. Browser-safe.
 */
import { fromUtf8, utf8 } from '../export/utf8.js';

export const PERCEIVER_SPECIAL = { PAD: 0, BOS: 1, EOS: 2, MASK: 3, CLS: 4, SEP: 5 } as const;
export const BYTE_OFFSET = 6;
export const PERCEIVER_VOCAB_SIZE = 256 + BYTE_OFFSET;

export interface Encoded {
  inputIds: number[];
  attentionMask: number[];
}

/**
 * Encode text as HF does: [CLS] utf8 bytes + 6 [SEP]. `maxLength` truncates the bytes so the
 * sequence fits (keeping [SEP]); `padToMaxLength` right-pads with PAD (mask 0), like
 * padding="max_length".
 */
export function encodePerceiver(text: string, opts: { maxLength?: number; padToMaxLength?: boolean } = {}): Encoded {
  let bytes = Array.from(utf8(text), (b) => b + BYTE_OFFSET);
  const max = opts.maxLength;
  if (max !== undefined) {
    if (!Number.isInteger(max) || max < 2)
      throw new Error(`maxLength must be an integer ≥ 2 (room for [CLS] and [SEP]); got ${max}`);
    if (bytes.length > max - 2) bytes = bytes.slice(0, max - 2);
  }
  const inputIds = [PERCEIVER_SPECIAL.CLS, ...bytes, PERCEIVER_SPECIAL.SEP];
  const attentionMask = inputIds.map(() => 1);
  if (opts.padToMaxLength) {
    if (max === undefined) throw new Error('padToMaxLength needs maxLength');
    while (inputIds.length < max) {
      inputIds.push(PERCEIVER_SPECIAL.PAD);
      attentionMask.push(0);
    }
  }
  return { inputIds, attentionMask };
}

/** Ids back to text: special tokens dropped (MASK shown as `maskText`), bytes decoded as UTF-8. */
export function decodePerceiver(ids: readonly number[], opts: { maskText?: string } = {}): string {
  let out = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length) out += fromUtf8(Uint8Array.from(run));
    run = [];
  };
  for (const id of ids) {
    if (id >= BYTE_OFFSET && id < PERCEIVER_VOCAB_SIZE) run.push(id - BYTE_OFFSET);
    else {
      flush();
      if (id === PERCEIVER_SPECIAL.MASK && opts.maskText !== undefined) out += opts.maskText;
    }
  }
  flush();
  return out;
}
