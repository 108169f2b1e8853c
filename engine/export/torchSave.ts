/**
 * Writes a PyTorch state dict as `torch.save` does (the zip format of PyTorch ≥ 1.6), so an
 * export's weights.pt loads with a plain `torch.load` (also with weights_only=True) and no
 * conversion step in Python. The archive holds `<name>/data.pkl` (a protocol-2 pickle of an
 * OrderedDict of `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`
 * whose storages are persistent ids), one `<name>/data/<key>` file of raw float32 per tensor,
 * and `<name>/version`.
 */
import { utf8 } from './utf8.js';
import { zip, type ZipEntry } from './archive.js';
import type { NamedArrays } from './weights.js';

class Pickler {
  private bytes: number[] = [];

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63); // GLOBAL
    for (const b of utf8(`${module}\n${name}\n`)) this.bytes.push(b);
    return this;
  }
  str(s: string): this {
    const b = utf8(s);
    this.op(0x58, b.length & 0xff, (b.length >>> 8) & 0xff, (b.length >>> 16) & 0xff, (b.length >>> 24) & 0xff); // BINUNICODE
    for (const x of b) this.bytes.push(x);
    return this;
  }
  int(n: number): this {
    if (!Number.isInteger(n) || n < 0) throw new Error(`cannot pickle ${n}`);
    if (n < 2 ** 31) return this.op(0x4a, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff); // BININT
    // LONG1: little-endian two's complement, 8 bytes is plenty.
    const out: number[] = [];
    let v = BigInt(n);
    for (let i = 0; i < 8; i++) {
      out.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return this.op(0x8a, 8, ...out);
  }
  intTuple(xs: readonly number[]): this {
    if (xs.length === 0) return this.op(0x29); // EMPTY_TUPLE
    this.op(0x28); // MARK
    for (const x of xs) this.int(x);
    return this.op(0x74); // TUPLE
  }
  result(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** The bytes of `torch.save(state_dict, path)` for float32 tensors. */
export function torchSaveStateDict(state: NamedArrays, archiveName = 'weights'): Uint8Array {
  const p = new Pickler();
  p.op(0x80, 2); // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  const entries: ZipEntry[] = [];
  let key = 0;
  if (state.size > 0) p.op(0x28); // MARK for SETITEMS
  for (const [name, a] of state) {
    const numel = a.data.length;
    const stride: number[] = new Array(a.shape.length);
    let s = 1;
    for (let i = a.shape.length - 1; i >= 0; i--) {
      stride[i] = s;
      s *= a.shape[i]!;
    }
    p.str(name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // MARK: the argument tuple
    p.op(0x28).str('storage').global('torch', 'FloatStorage').str(String(key)).str('cpu').int(numel).op(0x74, 0x51); // (…) BINPERSID
    p.int(0).intTuple(a.shape).intTuple(stride);
    p.op(0x89); // NEWFALSE: requires_grad
    p.global('collections', 'OrderedDict').op(0x29, 0x52); // backward hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
    entries.push({
      name: `${archiveName}/data/${key}`,
      data: new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    });
    key++;
  }
  if (state.size > 0) p.op(0x75); // SETITEMS
  p.op(0x2e); // STOP
  const files: ZipEntry[] = [
    { name: `${archiveName}/data.pkl`, data: p.result() },
    { name: `${archiveName}/byteorder`, data: utf8('little') },
    ...entries,
    { name: `${archiveName}/version`, data: utf8('3\n') },
  ];
  return zip(files, { align: 64 });
}
