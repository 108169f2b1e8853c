/**
 * How each node kind becomes tfjs layers, keyed by kind name (one file per family under
 * builders/). A test checks every registered kind has a builder, so the compiler itself never
 * switches on kinds.
 */
import { INPUT_BUILDERS } from './builders/inputs.js';
import { ATTENTION_BUILDERS } from './builders/attention.js';
import { QUERY_BUILDERS } from './builders/queries.js';
import { HEAD_BUILDERS } from './builders/heads.js';
import type { Builder } from './builders/context.js';

export type { BuildContext, Builder, Sym } from './builders/context.js';

export const BUILDERS: Record<string, Builder> = {
  ...INPUT_BUILDERS,
  ...ATTENTION_BUILDERS,
  ...QUERY_BUILDERS,
  ...HEAD_BUILDERS,
};
