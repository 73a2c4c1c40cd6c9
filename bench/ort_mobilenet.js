#!/usr/bin/env node
// Times one MobileNetV2 1.0/224 forward pass (batch 1, float32) in ONNX Runtime
// for Node.js (onnxruntime-node, its CPU execution provider, MLAS kernels).
// The anchor of bench/encoder.sh, which installs the package in a scratch
// folder and exports the model (bench/torch_mobilenet.py --export).
//   node bench/ort_mobilenet.js MODEL.onnx THREADS RUNS
// Prints the median of RUNS runs in milliseconds.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, threads, runs] = [process.argv[2], Number(process.argv[3] || 1),
    Number(process.argv[4] || 30)];
  // intraOpNumThreads counts the caller's thread; spinning is ORT's default.
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const input = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < input.length; i++) input[i] = ((i * 2654435761) >>> 24) / 255;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, 224, 224]) };
  for (let i = 0; i < 5; i++) await session.run(feeds); // warm-up
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  console.log((ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2).toFixed(3));
}

main().catch((e) => { console.error(`ort_mobilenet.js: ${e.message}`); process.exit(1); });
