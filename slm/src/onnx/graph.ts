/**
 * A small builder for ONNX graphs as onnx-proto messages: float and int64 constants become
 * initializers, each node gets a fresh output name, and `encodeModel` serialises the model
 * (onnx-proto is loaded lazily, only when a model is written).
 */
import type { onnx } from 'onnx-proto';

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** An integer or a list of integers (all the llama graph needs). */
export type Attribute = number | number[];

export interface GraphIo {
  name: string;
  elemType: 'float' | 'int64';
  /** Fixed sizes or symbolic names ("seq") per dimension. */
  dims: (number | string)[];
}

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** A float32 initializer. */
  floats(name: string, dims: number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: bytes });
    return name;
  }

  /** An int64 initializer (shapes, axes, slice bounds). */
  int64s(name: string, values: number[]): string {
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(raw.buffer) });
    return name;
  }

  /** Adds `op` and returns the name of its output. */
  node(op: string, inputs: string[], attributes: Record<string, Attribute> = {}, hint = op.toLowerCase()): string {
    const id = this.counter++;
    const output = `${hint}_${id}`;
    const attribute: onnx.IAttributeProto[] = Object.entries(attributes).map(([name, v]) => {
      return Array.isArray(v) ? { name, type: ATTR_INTS, ints: v } : { name, type: ATTR_INT, i: v };
    });
    this.nodes.push({ opType: op, input: inputs, output: [output], name: `${op}_${id}`, attribute });
    return output;
  }

  /** Renames the output of the last node (so graph outputs get stable names). */
  nameLastOutput(name: string): string {
    const last = this.nodes[this.nodes.length - 1];
    if (last?.output === undefined || last.output === null) throw new Error('no node to name');
    last.output[0] = name;
    return name;
  }
}

function valueInfo(io: GraphIo): onnx.IValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType: io.elemType === 'float' ? FLOAT : INT64,
        shape: { dim: io.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export const OPSET = 17;
export const IR_VERSION = 8;

/** Serialises the graph as an ONNX model (IR 8, default-domain opset 17). */
export async function encodeModel(g: GraphBuilder, name: string, inputs: GraphIo[], outputs: GraphIo[], docString: string): Promise<Uint8Array> {
  // onnx-proto is CommonJS whose exports Node cannot list statically: under ESM it is `default`.
  const module: { onnx?: typeof onnx; default?: { onnx: typeof onnx } } = await import('onnx-proto');
  const proto = module.onnx ?? module.default?.onnx;
  if (proto === undefined) throw new Error('onnx-proto did not load: run "npm ci"');
  const model = proto.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'auton',
    docString,
    graph: {
      name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  });
  return proto.ModelProto.encode(model).finish();
}
