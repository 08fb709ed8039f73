/**
 * matmulABt on WebAssembly SIMD: C[M, N] = A[M, K] . B[N, K]^T in float32, 4 lanes wide, in
 * blocks of 2 rows of A by 4 rows of B (8 vector accumulators). About 3x the scalar kernel in
 * V8. The module is assembled below from its opcodes (no toolchain, no binary blob); operands
 * are copied into its memory zero-padded (K to a multiple of 4, M to 2, N to 4), so the kernel
 * has no edge cases. Float32 summation order differs from matmul.ts's float64 accumulators,
 * so results agree to float32 rounding, and are the same bits on every run and thread.
 */

// ---- a tiny assembler: just what the kernel needs ----
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  mul: [0x6c],
  ltU: [0x49],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  f32Add: [0x92],
  f32Store: (offset: number) => [0x38, 2, ...uleb(offset)],
  v128Load: [0xfd, 0x00, 4, 0],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  lane: (l: number) => [0xfd, ...uleb(0x1f), l],
};

// parameters c, a, b, M, N, K (K a multiple of 4, byte addresses); locals after them
const [C, A, B, M, N, K] = [0, 1, 2, 3, 4, 5];
const [I, J, KB, A0, A1, B0, B1, B2, B3, ROW] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const S = 16; // s[r][q] = local S + r * 4 + q: 8 accumulators
const X0 = 24;
const X1 = 25;
const W = 26;

function kernelBody(): number[] {
  const code: number[] = [];
  const emit = (...parts: (number | number[])[]): void => {
    for (const p of parts) {
      if (typeof p === 'number') code.push(p);
      else code.push(...p);
    }
  };
  emit(op.get(K), op.i32(4), op.mul, op.set(ROW)); // row bytes
  emit(op.i32(0), op.set(I), op.loop);
  {
    emit(op.get(A), op.get(I), op.get(ROW), op.mul, op.add, op.set(A0));
    emit(op.get(A0), op.get(ROW), op.add, op.set(A1));
    emit(op.i32(0), op.set(J), op.loop);
    {
      emit(op.get(B), op.get(J), op.get(ROW), op.mul, op.add, op.set(B0));
      emit(op.get(B0), op.get(ROW), op.add, op.set(B1));
      emit(op.get(B1), op.get(ROW), op.add, op.set(B2));
      emit(op.get(B2), op.get(ROW), op.add, op.set(B3));
      for (let s = 0; s < 8; s++) emit(op.v128Zero, op.set(S + s));
      emit(op.i32(0), op.set(KB), op.loop);
      {
        emit(op.get(A0), op.get(KB), op.add, op.v128Load, op.set(X0));
        emit(op.get(A1), op.get(KB), op.add, op.v128Load, op.set(X1));
        [B0, B1, B2, B3].forEach((b, q) => {
          emit(op.get(b), op.get(KB), op.add, op.v128Load, op.set(W));
          emit(op.get(S + q), op.get(X0), op.get(W), op.f32x4Mul, op.f32x4Add, op.set(S + q));
          emit(op.get(S + 4 + q), op.get(X1), op.get(W), op.f32x4Mul, op.f32x4Add, op.set(S + 4 + q));
        });
        emit(op.get(KB), op.i32(16), op.add, op.set(KB));
        emit(op.get(KB), op.get(ROW), op.ltU, op.brIf(0));
      }
      emit(op.end);
      // C[i + r, j + q] = horizontal sum of s[r][q]
      for (let r = 0; r < 2; r++) {
        for (let q = 0; q < 4; q++) {
          emit(op.get(C), op.get(I), op.i32(r), op.add, op.get(N), op.mul, op.get(J), op.add, op.i32(4), op.mul, op.add);
          emit(op.get(S + r * 4 + q), op.lane(0), op.get(S + r * 4 + q), op.lane(1), op.f32Add);
          emit(op.get(S + r * 4 + q), op.lane(2), op.get(S + r * 4 + q), op.lane(3), op.f32Add, op.f32Add);
          emit(op.f32Store(q * 4));
        }
      }
      emit(op.get(J), op.i32(4), op.add, op.set(J));
      emit(op.get(J), op.get(N), op.ltU, op.brIf(0));
    }
    emit(op.end);
    emit(op.get(I), op.i32(2), op.add, op.set(I));
    emit(op.get(I), op.get(M), op.ltU, op.brIf(0));
  }
  emit(op.end, op.end);
  const locals = vec([[...uleb(10), I32], [...uleb(11), V128]]);
  return [...locals, ...code];
}

function assemble(): Uint8Array {
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0]]));
  const func = section(3, vec([[0]]));
  const memory = section(5, vec([[0x00, 1]])); // 1 page to start, grown on demand
  const exports = section(7, vec([[...name('mm'), 0x00, 0], [...name('memory'), 0x02, 0]]));
  const body = kernelBody();
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...func, ...memory, ...exports, ...code]);
}

// The WebAssembly global of Node (its typings come with the DOM lib, which this project leaves out).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface Kernel {
  mm: (c: number, a: number, b: number, m: number, n: number, k: number) => void;
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
}

let kernel: Kernel | null | undefined;

/** The kernel, or null where WebAssembly SIMD is unavailable (callers then use the scalar one). */
function getKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble()));
    kernel = instance.exports as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

export function wasmMatmulAvailable(): boolean {
  return getKernel() !== null;
}

const pad = (n: number, to: number): number => Math.ceil(n / to) * to;

/** Copies rows of width k into memory at `at` with row stride kp (zero padded), `rowsPadded` rows. */
function place(mem: Float32Array, at: number, src: Float32Array, rows: number, k: number, kp: number, rowsPadded: number): void {
  if (k === kp) {
    mem.set(src.subarray(0, rows * k), at);
  } else {
    for (let r = 0; r < rows; r++) {
      mem.set(src.subarray(r * k, (r + 1) * k), at + r * kp);
      mem.fill(0, at + r * kp + k, at + (r + 1) * kp);
    }
  }
  mem.fill(0, at + rows * kp, at + rowsPadded * kp);
}

/** C (+)= A . B^T through the SIMD kernel; false (nothing done) where it is unavailable. */
export function wasmMatmulABt(Cm: Float32Array, Am: Float32Array, Bm: Float32Array, m: number, n: number, k: number, accumulate: boolean): boolean {
  const kern = getKernel();
  if (!kern) return false;
  const kp = pad(k, 4);
  const mp = pad(m, 2);
  const np = pad(n, 4);
  const aAt = 0;
  const bAt = mp * kp;
  const cAt = bAt + np * kp;
  const bytes = (cAt + mp * np) * 4;
  const have = kern.memory.buffer.byteLength;
  if (bytes > have) kern.memory.grow(Math.ceil((bytes - have) / 65536));
  const mem = new Float32Array(kern.memory.buffer);
  place(mem, aAt, Am, m, k, kp, mp);
  place(mem, bAt, Bm, n, k, kp, np);
  kern.mm(cAt * 4, aAt * 4, bAt * 4, mp, np, kp);
  for (let i = 0; i < m; i++) {
    const src = cAt + i * np;
    const dst = i * n;
    if (accumulate) for (let j = 0; j < n; j++) Cm[dst + j] = Cm[dst + j]! + mem[src + j]!;
    else Cm.set(mem.subarray(src, src + n), dst);
  }
  return true;
}
