// The `nn` namespace: modules and losses, named as in PyTorch.
export { Module, type StateValue } from './module.js';
export { Linear } from './linear.js';
export { Embedding, Dropout, type EmbeddingOptions } from './layers.js';
export { RNN, LSTM, GRU, RNNBase, type RNNOptions, type LSTMOptions, type GRUOptions, type SequenceOptions } from './rnn.js';
export { RNNCell, LSTMCell, GRUCell, type CellOptions } from './cells.js';
export { Sequential, Tanh, ReLU, Sigmoid, Softmax, LogSoftmax, type Layer } from './sequential.js';
export { crossEntropy, mseLoss, binaryCrossEntropyWithLogits, type LossOptions, type CrossEntropyOptions, type BCEWithLogitsOptions, type Reduction } from './losses.js';
export { generate, disposeState, type TokenStepper, type StepState, type GenerateOptions } from './generate.js';
export type { RecurrentState } from './step.js';
