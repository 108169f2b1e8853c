/**
 * Read a `pytorch_model.bin` (what `torch.save(state_dict)` writes since PyTorch 1.6: a zip with
 * `<name>/data.pkl`, one `<name>/data/<key>` file per storage, `<name>/version`) without
 * executing anything from it.
 *
 * The pickle is interpreted by a restricted virtual machine that knows only what a state dict
 * needs: the opcodes of protocols 2–5 that build strings, numbers, tuples, lists and dicts, and
 * exactly these globals —
 *   torch._utils._rebuild_tensor_v2   (storage, offset, size, stride, requires_grad, hooks[, meta])
 *   torch._utils._rebuild_parameter   (tensor, requires_grad, hooks) → the tensor
 *   collections.OrderedDict           → a Map (its BUILD state, HF's `_metadata`, is ignored)
 *   torch.<Float|Half|BFloat16|Long>Storage, only as the type inside a storage persistent id
 * Any other global (os.system, builtins.eval, numpy…), any other opcode (INST, OBJ, NEWOBJ, EXT…)
 * or a callable applied that is not one of the two rebuild functions / OrderedDict is refused with
 * a TorchPickleError naming it and the byte offset. Nothing is ever looked up or called by name.
 *
 * Browser-safe (no node:*): the app's worker and the CLI share it.
 */
import { decodeUtf8 } from '../data/platform.js';
import { readZip } from '../data/zip.js';
import { bf16ToF32, f16ToF32 } from '../data/float16.js';
import type { HfDtype, HfTensor } from './safetensors.js';

export class TorchPickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchPickleError';
  }
}

/** Storage classes a state dict may name, with the dtype they become and their element size. */
const STORAGES: Record<string, { dtype: HfDtype; bytes: number }> = {
  FloatStorage: { dtype: 'F32', bytes: 4 },
  HalfStorage: { dtype: 'F16', bytes: 2 },
  BFloat16Storage: { dtype: 'BF16', bytes: 2 },
  LongStorage: { dtype: 'I64', bytes: 8 },
};
const OTHER_STORAGES = [
  'DoubleStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
  'ComplexFloatStorage',
  'ComplexDoubleStorage',
  'QInt8Storage',
  'QUInt8Storage',
  'QInt32Storage',
];

const CALLABLES = new Set([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'collections.OrderedDict',
]);

class PyGlobal {
  constructor(readonly name: string) {}
}
class StorageRef {
  constructor(
    readonly key: string,
    readonly storageType: string,
    readonly numel: number,
  ) {}
}
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}
const MARK = Symbol('mark');
type Value = unknown;

/** Most stack entries / memo slots / container items accepted (a state dict has thousands at most). */
const MAX_ITEMS = 10_000_000;

const OPNAMES: Record<number, string> = {
  0x49: 'INT',
  0x4c: 'LONG',
  0x46: 'FLOAT',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x50: 'PERSID',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x8b: 'LONG4',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x67: 'GET',
  0x70: 'PUT',
};

function asIndex(v: Value, what: string, at: number): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new TorchPickleError(`data.pkl byte ${at}: ${what} must be a non-negative integer, got ${describe(v)}`);
}

function describe(v: Value): string {
  if (v instanceof PyGlobal) return `global ${v.name}`;
  if (v instanceof TensorRef) return 'a tensor';
  if (v instanceof StorageRef) return 'a storage';
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  if (v === MARK) return 'a mark';
  return JSON.stringify(v) ?? String(v);
}

/**
 * Run the restricted unpickler over `pkl`. `storage(key, type, numel)` is called for each
 * persistent id; returns the top-level object.
 */
export function restrictedUnpickle(pkl: Uint8Array, what = 'data.pkl'): Value {
  const dv = new DataView(pkl.buffer, pkl.byteOffset, pkl.byteLength);
  let p = 0;
  const stack: Value[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Value>();
  const fail = (msg: string, at = p): never => {
    throw new TorchPickleError(`${what} byte ${at}: ${msg}`);
  };
  const need = (n: number) => {
    if (p + n > pkl.length)
      fail(`the pickle ends in the middle of an opcode (${n} more bytes needed); the file is truncated`);
  };
  const u8 = () => (need(1), pkl[p++]!);
  const u16 = () => (need(2), (p += 2), dv.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), dv.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), dv.getInt32(p - 4, true));
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(pkl.length)) fail(`a length of ${v} bytes is longer than the pickle`);
    return Number(v);
  };
  const bytes = (n: number) => {
    need(n);
    p += n;
    return pkl.subarray(p - n, p);
  };
  const utf8 = (b: Uint8Array) => {
    try {
      // decodeUtf8 drops a leading BOM, which a pickled string may legitimately start with.
      return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? '\ufeff' + decodeUtf8(b.subarray(3)) : decodeUtf8(b);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const latin1 = (b: Uint8Array) => {
    let s = '';
    for (const x of b) s += String.fromCharCode(x);
    return s;
  };
  const line = () => {
    const start = p;
    while (p < pkl.length && pkl[p] !== 0x0a) p++;
    if (p >= pkl.length) fail('a GLOBAL name runs to the end of the pickle; the file is truncated', start);
    const s = latin1(pkl.subarray(start, p));
    p++;
    return s;
  };
  const push = (v: Value) => {
    if (stack.length >= MAX_ITEMS) fail('the pickle stack grows past any state dict');
    stack.push(v);
  };
  const pop = (): Value => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]!))
      fail('pop from an empty stack (damaged pickle)');
    return stack.pop();
  };
  const top = (): Value => {
    if (stack.length === 0) fail('the stack is empty (damaged pickle)');
    return stack[stack.length - 1];
  };
  const popMark = (): Value[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to (damaged pickle)');
    const items = stack.splice(m!);
    return items;
  };
  const global = (module: string, name: string, at: number): PyGlobal => {
    const full = `${module}.${name}`;
    if (CALLABLES.has(full)) return new PyGlobal(full);
    if (module === 'torch' && name in STORAGES) return new PyGlobal(full);
    if (module === 'torch' && OTHER_STORAGES.includes(name))
      fail(`storage type torch.${name} is not supported (float32, float16, bfloat16 and int64 tensors are)`, at);
    return fail(
      `refusing global "${full}": a state dict saved by torch.save holds only tensors (torch._utils._rebuild_tensor_v2), storages and OrderedDict; this file would run other code when loaded, so it is not opened`,
      at,
    );
  };
  const memoPut = (k: number) => {
    if (memo.size >= MAX_ITEMS && !memo.has(k)) fail('too many memo entries');
    memo.set(k, top());
  };
  const memoGet = (k: number, at: number) => {
    if (!memo.has(k)) fail(`memo entry ${k} is read before it is written (damaged pickle)`, at);
    push(memo.get(k));
  };
  const reduce = (fn: Value, args: Value, at: number): Value => {
    if (!(fn instanceof PyGlobal) || !CALLABLES.has(fn.name))
      return fail(
        `refusing to call ${describe(fn)}: only torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and collections.OrderedDict are applied`,
        at,
      );
    if (!Array.isArray(args)) return fail(`the arguments of ${fn.name} are not a tuple`, at);
    if (fn.name === 'collections.OrderedDict') {
      if (args.length !== 0) fail('collections.OrderedDict is applied to arguments; a state dict builds it empty', at);
      return new Map();
    }
    if (fn.name === 'torch._utils._rebuild_parameter') {
      if (!(args[0] instanceof TensorRef)) fail(`_rebuild_parameter expects a tensor, got ${describe(args[0])}`, at);
      return args[0];
    }
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (args.length < 4)
      fail(`_rebuild_tensor_v2 has ${args.length} arguments; it takes storage, offset, size, stride…`, at);
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef))
      return fail(`_rebuild_tensor_v2's first argument is ${describe(storage)}, not a storage`, at);
    if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length || size.length > 16)
      return fail('_rebuild_tensor_v2: size and stride must be tuples of equal length (at most 16)', at);
    return new TensorRef(
      storage,
      asIndex(offset, 'the storage offset', at),
      size.map((d) => asIndex(d, 'a size', at)),
      stride.map((d) => asIndex(d, 'a stride', at)),
    );
  };

  for (;;) {
    if (p >= pkl.length) fail('the pickle ends without STOP; the file is truncated');
    const at = p;
    const op = pkl[p++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length) fail('STOP with a damaged stack');
        return stack[0];
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('DICT with an odd number of items');
        const m = new Map<Value, Value>();
        for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
        push(m);
        break;
      }
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x58: // BINUNICODE
        push(utf8(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(bytes(u64())));
        break;
      case 0x54: // BINSTRING
        push(latin1(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1(bytes(u8())));
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = u8();
        const b = bytes(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        const num = Number(v);
        push(Number.isSafeInteger(num) ? num : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        push(global(module, name, at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        push(global(module as string, name as string, at));
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(u8(), at);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32(), at);
        break;
      case 0x30: // POP
        if (marks.length && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x51: {
        // BINPERSID: ('storage', storage_type, key, location, numel)
        const pid = pop();
        if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage')
          fail(`a persistent id that is not a storage (${describe(pid)}); only tensor storages are read`, at);
        const [, type, key, , count] = pid as Value[];
        if (!(type instanceof PyGlobal) || !type.name.startsWith('torch.') || !(type.name.slice(6) in STORAGES))
          fail(`the storage type is ${describe(type)}, not a torch storage class`, at);
        if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(key))
          fail(`the storage key ${describe(key)} is not a plain name`, at);
        push(new StorageRef(key as string, (type as PyGlobal).name.slice(6), asIndex(count, 'a storage size', at)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(reduce(fn, args, at));
        break;
      }
      case 0x62: {
        // BUILD: only the state of an OrderedDict (HF's _metadata) or a parameter, both ignored
        const state = pop();
        const obj = top();
        if (!(obj instanceof Map) && !(obj instanceof TensorRef))
          fail(`BUILD on ${describe(obj)}; only an OrderedDict's state is accepted`, at);
        if (state !== null && !(state instanceof Map) && !Array.isArray(state))
          fail(`BUILD with state ${describe(state)}`, at);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        if (!(d instanceof Map)) fail(`SETITEM on ${describe(d)}`, at);
        (d as Map<Value, Value>).set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof Map)) fail(`SETITEMS on ${describe(d)}`, at);
        if (items.length % 2) fail('SETITEMS with an odd number of items', at);
        if ((d as Map<Value, Value>).size + items.length / 2 > MAX_ITEMS) fail('a dict grows past any state dict', at);
        for (let i = 0; i < items.length; i += 2) (d as Map<Value, Value>).set(items[i], items[i + 1]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail(`APPEND on ${describe(l)}`, at);
        (l as Value[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail(`APPENDS on ${describe(l)}`, at);
        for (const v of items) (l as Value[]).push(v);
        break;
      }
      default:
        fail(
          `opcode 0x${op.toString(16).padStart(2, '0')}${OPNAMES[op] ? ` (${OPNAMES[op]})` : ''} is not accepted: a torch.save state dict never needs it`,
          at,
        );
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function materialise(name: string, t: TensorRef, data: Uint8Array, file: string): HfTensor {
  const { dtype, bytes: esize } = STORAGES[t.storage.storageType]!;
  const where = `${file}: tensor "${name}"`;
  if (data.length < t.storage.numel * esize)
    throw new TorchPickleError(
      `${where}: its storage data/${t.storage.key} has ${data.length} bytes, fewer than the ${t.storage.numel} × ${esize} the pickle declares (truncated file?)`,
    );
  const count = t.size.reduce((a, b) => a * b, 1);
  // Highest element index the view touches must lie inside the storage.
  const last = count === 0 ? t.offset : t.offset + t.size.reduce((s, d, i) => s + (d - 1) * t.stride[i]!, 0);
  if (count > 0 && last >= t.storage.numel)
    throw new TorchPickleError(
      `${where}: size [${t.size.join(', ')}] with stride [${t.stride.join(', ')}] at offset ${t.offset} reaches element ${last} of a storage of ${t.storage.numel}`,
    );
  let contiguous = true;
  for (let i = t.size.length - 1, expect = 1; i >= 0; i--) {
    if (t.size[i]! !== 1 && t.stride[i]! !== expect) contiguous = false;
    expect *= t.size[i]!;
  }
  // Element i of the flat result sits at storage index idx(i).
  const index = (i: number): number => {
    if (contiguous) return t.offset + i;
    let rem = i;
    let idx = t.offset;
    for (let d = t.size.length - 1; d >= 0; d--) {
      const s = t.size[d]!;
      idx += (rem % s) * t.stride[d]!;
      rem = Math.floor(rem / s);
    }
    return idx;
  };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dtype === 'F32') {
    const byteStart = data.byteOffset + 4 * t.offset;
    // A contiguous, aligned float32 tensor is a view on the archive's bytes (no copy).
    if (contiguous && LITTLE_ENDIAN && byteStart % 4 === 0)
      return { dtype, shape: [...t.size], data: new Float32Array(data.buffer, byteStart, count) };
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * index(i), true);
    return { dtype, shape: [...t.size], data: out };
  }
  if (dtype === 'I64') {
    const out = new BigInt64Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getBigInt64(8 * index(i), true);
    return { dtype, shape: [...t.size], data: out };
  }
  const out = new Float32Array(count);
  const widen = dtype === 'BF16' ? bf16ToF32 : f16ToF32;
  for (let i = 0; i < count; i++) out[i] = widen(dv.getUint16(2 * index(i), true));
  return { dtype, shape: [...t.size], data: out };
}

/**
 * Read the state dict of a `pytorch_model.bin`. Keys keep the file's order. Float32 tensors may
 * be views on `bytes` (keep it alive, do not modify either).
 */
export async function readTorchStateDict(
  bytes: Uint8Array,
  file = 'pytorch_model.bin',
): Promise<Map<string, HfTensor>> {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new TorchPickleError(
      `${file} is in PyTorch's legacy (pre-1.6, non-zip) format; re-save it with a current torch.save, or convert it to model.safetensors`,
    );
  }
  let members: Map<string, Uint8Array>;
  try {
    members = await readZip(bytes, { file, maxEntries: 200_000 });
  } catch (err) {
    throw new TorchPickleError(`${file} is not a readable PyTorch checkpoint: ${(err as Error).message}`);
  }
  const pkls = [...members.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1)
    throw new TorchPickleError(
      `${file}: expected one <name>/data.pkl in the archive, found ${pkls.length ? pkls.join(', ') : 'none'}; is it a torch.save file?`,
    );
  const prefix = pkls[0]!.slice(0, -'data.pkl'.length);
  const order = members.get(`${prefix}byteorder`);
  if (order && String.fromCharCode(...order.subarray(0, 16)).trim() !== 'little')
    throw new TorchPickleError(`${file} was saved on a big-endian machine; only little-endian checkpoints are read`);
  const root = restrictedUnpickle(members.get(pkls[0]!)!, `${file}: ${pkls[0]}`);
  if (!(root instanceof Map))
    throw new TorchPickleError(`${file}: the pickle holds ${describe(root)}, not a state dict (a dict of tensors)`);
  const out = new Map<string, HfTensor>();
  for (const [key, value] of root) {
    if (typeof key !== 'string')
      throw new TorchPickleError(`${file}: a state-dict key is ${describe(key)}, not a string`);
    if (!(value instanceof TensorRef))
      throw new TorchPickleError(`${file}: "${key}" is ${describe(value)}, not a tensor`);
    const data = members.get(`${prefix}data/${value.storage.key}`);
    if (!data)
      throw new TorchPickleError(
        `${file}: tensor "${key}" refers to storage data/${value.storage.key}, which the archive lacks`,
      );
    out.set(key, materialise(key, value, data, file));
  }
  return out;
}
