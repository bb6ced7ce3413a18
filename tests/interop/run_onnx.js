// Runs an ONNX model on float32 input from a file and prints the output as JSON: the LogitNet tests
// compare it with Sequential.Predict. Usage: node run_onnx.js MODEL INPUT_F32 ROWS COLUMNS
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputPath, rows, columns] = process.argv.slice(2);
  const bytes = fs.readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const session = await ort.InferenceSession.create(model);
  const result = await session.run({ input: new ort.Tensor('float32', data, [Number(rows), Number(columns)]) });
  const output = result.output;
  process.stdout.write(JSON.stringify({ dims: output.dims, data: Array.from(output.data) }));
}

main().catch(e => { console.error(e.message); process.exit(1); });
