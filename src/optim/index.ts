// The `optim` namespace: optimizers and learning-rate schedules, named as in PyTorch.
export { Optimizer, type OptimizerState } from './optimizer.js';
export { SGD, Adam, AdamW, Adagrad, RMSprop, type SGDOptions, type AdamOptions, type AdagradOptions, type RMSpropOptions } from './optimizers.js';
export { StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup } from './schedulers.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
