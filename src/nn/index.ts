// The `nn` namespace: modules and losses, named as in PyTorch.
export { Module, type StateValue } from './module.js';
export { Linear } from './linear.js';
export { Embedding, Dropout, type EmbeddingOptions } from './layers.js';
export { RNN, LSTM, GRU, RNNBase, type RNNOptions, type LSTMOptions, type GRUOptions, type RecurrentActivation, type SequenceOptions } from './rnn.js';
export { RNNCell, LSTMCell, GRUCell, type CellOptions } from './cells.js';
export { Sequential, LastStep, Tanh, ReLU, LeakyReLU, Sigmoid, Softmax, LogSoftmax, type Layer, type SequenceLayer } from './sequential.js';
export { crossEntropy, mseLoss, binaryCrossEntropyWithLogits, type LossOptions, type CrossEntropyOptions, type BCEWithLogitsOptions, type Reduction } from './losses.js';
export { generate, disposeState, type TokenStepper, type StepState, type GenerateOptions } from './generate.js';
export type { RecurrentState } from './step.js';
// CNN layers: convolution, normalisation, pooling, flattening.
export { Conv1d, Conv2d, type ConvModuleOptions } from './conv.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormModuleOptions } from './norm.js';
export { MaxPool2d, AvgPool2d, Flatten } from './spatial.js';
