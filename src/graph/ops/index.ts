// All differentiable ops as plain functions (the public `matmul(a, b)`, `add(a, b)`, ...).
import { functional } from './arithmetic.js';
import { conv1d, conv2d } from './conv.js';
import { batchNorm, layerNorm } from './norm.js';
import { linear, matmul } from './linalg.js';
import { reductions } from './reduction.js';
import { sample } from './sample.js';
import { shapeOps } from './shape.js';

export const ops = { ...functional, ...reductions, ...shapeOps, matmul, linear, sample, conv1d, conv2d, batchNorm, layerNorm };
export type Ops = typeof ops;
