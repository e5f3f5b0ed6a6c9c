// Runs an ONNX model on onnxruntime-node (CPU) and writes its first output as a .npy file.
//   node onnx_run.js MODEL.onnx INPUT.npy OUTPUT.npy [BATCH]
// INPUT.npy: float32 (N, C, H, W), C order. The images go through in batches of BATCH (default:
// all at once), so a run with two batch sizes checks that the batch dimension is dynamic.
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const b = fs.readFileSync(path);
  const headerLength = b.readUInt16LE(8);
  const header = b.toString('latin1', 10, 10 + headerLength);
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True"))
    throw new Error(`${path}: expected float32 in C order`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const body = b.subarray(10 + headerLength);
  return { shape, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)) };
}

function writeNpy(path, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';  // pad so the data starts 64-aligned
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

(async () => {
  const [model, inputPath, outputPath, batchArg] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const x = readNpy(inputPath);
  const [N, ...sample] = x.shape;
  const perImage = sample.reduce((a, b) => a * b, 1);
  const batch = Number(batchArg || N);
  const outputs = [];
  let outShape = null;
  for (let start = 0; start < N; start += batch) {
    const n = Math.min(batch, N - start);
    const feed = new ort.Tensor('float32', x.data.subarray(start * perImage, (start + n) * perImage), [n, ...sample]);
    const result = await session.run({ [session.inputNames[0]]: feed });
    const y = result[session.outputNames[0]];
    outShape = y.dims.slice(1);
    outputs.push(Float32Array.from(y.data));
  }
  const all = new Float32Array(outputs.reduce((a, o) => a + o.length, 0));
  let offset = 0;
  for (const o of outputs) { all.set(o, offset); offset += o.length; }
  writeNpy(outputPath, [N, ...outShape], all);
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}: ${model} ` +
              `(${session.inputNames[0]} -> ${session.outputNames[0]}) on ${N} images in batches of ${batch}`);
})().catch((e) => { console.error(`onnx_run.js: ${e.message}`); process.exit(1); });
