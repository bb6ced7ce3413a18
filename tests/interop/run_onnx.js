// Runs an ONNX model on float32 input from a file and prints the output and the model's metadata as
// JSON: the LogitNet tests compare them with Sequential.Predict and Sequential.ClassNames.
// Usage: node run_onnx.js MODEL INPUT_F32 ROWS COLUMNS
const fs = require('fs');
const ort = require('onnxruntime-node');

// The protobuf fields of one message: [{ field, value }], value a BigInt for varints, the bytes for
// length-delimited fields; fixed-width fields are skipped. Enough to walk an ONNX ModelProto.
function fields(bytes) {
  const result = [];
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new Error(`protobuf varint runs past the end at byte ${at}`);
      const b = bytes[at++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const tag = Number(varint());
    const field = tag >>> 3, wire = tag & 7;
    if (wire === 0) result.push({ field, value: varint() });
    else if (wire === 1) at += 8;
    else if (wire === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error(`protobuf field ${field} runs past the end at byte ${at}`);
      result.push({ field, value: bytes.subarray(at, at + length) });
      at += length;
    } else if (wire === 5) at += 4;
    else throw new Error(`protobuf wire type ${wire} (field ${field}) at byte ${at}`);
  }
  return result;
}

// ModelProto.metadata_props: field 14, each a StringStringEntryProto (key = 1, value = 2), per
// onnx/onnx.proto. onnxruntime-node exposes no model metadata (only the inputs' and outputs'), so the
// file is read here, independently of the C# writer.
function metadataProps(model) {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const props = {};
  for (const { field, value } of fields(model)) {
    if (field !== 14) continue;
    let key = '', text = '';
    for (const entry of fields(value)) {
      if (entry.field === 1) key = utf8.decode(entry.value);
      else if (entry.field === 2) text = utf8.decode(entry.value);
    }
    props[key] = text;
  }
  return props;
}

async function main() {
  const [model, inputPath, rows, columns] = process.argv.slice(2);
  const bytes = fs.readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const session = await ort.InferenceSession.create(model);
  const result = await session.run({ input: new ort.Tensor('float32', data, [Number(rows), Number(columns)]) });
  const output = result.output;
  const metadata = metadataProps(fs.readFileSync(model));
  process.stdout.write(JSON.stringify({ dims: output.dims, data: Array.from(output.data), metadata }));
}

main().catch(e => { console.error(e.message); process.exit(1); });
