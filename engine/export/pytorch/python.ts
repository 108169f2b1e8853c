/** Helpers for writing Python source: literals and identifiers. */

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(
    ' ',
  ),
);
/** Python's builtins (Python 3.11 `dir(builtins)` without dunders): a name must not shadow them. */
export const PY_BUILTINS = new Set(
  'ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup False FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError None NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError True TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip'.split(
    ' ',
  ),
);
/**
 * Module-level names of the generated model.py (its globals, functions and imports): the model's
 * class may not take one of these (a graph named "INPUTS" would replace the INPUTS table).
 */
export const MODEL_PY_GLOBALS = new Set([
  'INPUTS',
  'INT_INPUTS',
  'HEADS',
  'NUM_PARAMETERS',
  'build_model',
  'example_inputs',
  'count_parameters',
  'load_weights',
  'torch',
  'nn',
  'F',
  'os',
  'sys',
]);
/** Names the generated model already uses (module attributes, locals, imports). */
const RESERVED = new Set([
  'self',
  'torch',
  'nn',
  'F',
  'batch',
  'device',
  'forward',
  'training',
  'super',
  'outputs',
  'inputs',
  'type',
  'input',
  'print',
  'len',
  'range',
  'list',
  'dict',
  ...PY_BUILTINS,
  ...MODEL_PY_GLOBALS,
]);

export function isPyKeyword(s: string): boolean {
  return PY_KEYWORDS.has(s);
}

/** A valid, non-reserved Python identifier for a node id (ids allow letters, digits, _ . : -). */
export function pyIdent(id: string): string {
  let s = id.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(s)) s = `n_${s}`;
  if (s.startsWith('_')) s = `n${s}`;
  if (
    PY_KEYWORDS.has(s) ||
    RESERVED.has(s) ||
    /^(add_module|apply|buffers|children|cpu|cuda|double|eval|float|half|modules|parameters|register_\w+|state_dict|to|train|zero_grad|load_state_dict|named_\w+|get_\w+|extra_repr)$/.test(
      s,
    )
  )
    s = `${s}_`;
  return s;
}

/** Unique identifiers for a list of ids, in order (collisions after sanitising get _2, _3 …). */
export function uniqueIdents(ids: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const id of ids) {
    const base = pyIdent(id);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}

/** A Python literal for a JSON-like value. */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python literal`);
    return Number.isInteger(value) ? String(value) : String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 1 ? `(${py(value[0])},)` : `(${value.map(py).join(', ')})`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`)
      .join(', ')}}`;
  }
  throw new Error(`cannot write ${typeof value} as a Python literal`);
}

/** Keyword arguments: `a=1, b=True`. */
export function kwargs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${py(v)}`)
    .join(', ');
}

/** Python-style docstring/comment safe text (no triple quotes, no control characters, no NUL). */
export function pyText(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
}

/** Text for a one-line `# comment`: no line breaks of any kind (Python's or Unicode's), no NUL or controls. */
export function pyComment(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
}
