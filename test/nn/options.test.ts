// The option checker (src/util/options.ts): unknown keys refused with a suggestion, values of the
// wrong kind named. No GPU: the public constructors' use of it is tested in option_refusals.test.ts.
import { describe, expect, test } from 'vitest';
import { checkArg, checkOptions, suggest } from '../../src/util/options.js';

const SPEC = { inputSize: 'positiveInteger', hiddenSize: 'positiveInteger', numLayers: 'positiveInteger', batchFirst: 'boolean', lr: 'nonNegative', dropout: 'probability', nonlinearity: ['tanh', 'relu'] } as const;

describe('checkOptions', () => {
  test.each([
    ['num_layers', 'numLayers'],
    ['batch_first', 'batchFirst'],
    ['learningRate', 'lr'],
    ['units', 'hiddenSize'],
    ['hiddensize', 'hiddenSize'],
    ['numLayer', 'numLayers'],
    ['drop_out', 'dropout'],
  ])("unknown option '%s' suggests '%s'", (key, want) => {
    expect(() => checkOptions('nn.LSTM', { [key]: 1 }, SPEC)).toThrow(`webrnn: nn.LSTM: unknown option '${key}' (did you mean '${want}'?)`);
  });

  test('a key with no near match lists the known options; TF.js-only options say what to do instead', () => {
    expect(() => checkOptions('nn.LSTM', { zzzzzz: 1 }, SPEC)).toThrow(/unknown option 'zzzzzz'; known options: inputSize, hiddenSize/);
    expect(() => checkOptions('nn.LSTM', { returnSequences: true }, SPEC)).toThrow(/unknown option 'returnSequences' \(use nothing: forward\(\) always returns/);
    expect(suggest('timeMajor', ['batchFirst'])).toBe('batchFirst (its inverse)');
  });

  test.each([
    [{ hiddenSize: 0 }, "option hiddenSize = 0 must be a positive integer"],
    [{ hiddenSize: '8' }, "option hiddenSize = '8' must be a positive integer"],
    [{ batchFirst: 1 }, 'option batchFirst = 1 must be true or false'],
    [{ lr: -1 }, 'option lr = -1 must be a finite number >= 0'],
    [{ lr: NaN }, 'option lr = NaN must be a finite number >= 0'],
    [{ dropout: 1 }, 'option dropout = 1 must be a number in [0, 1)'],
    [{ nonlinearity: 'gelu' }, "option nonlinearity = 'gelu' must be one of 'tanh', 'relu'"],
  ])('%o is refused: %s', (opts, msg) => {
    expect(() => checkOptions('nn.RNN', opts, SPEC)).toThrow(`webrnn: nn.RNN: ${msg}`);
  });

  test('undefined values are absent; undefined options pass; non-objects are refused', () => {
    expect(() => checkOptions('f', { lr: undefined }, SPEC)).not.toThrow();
    expect(() => checkOptions('f', undefined, SPEC)).not.toThrow();
    expect(() => checkOptions('f', 3, SPEC)).toThrow('webrnn: f: options must be an object, got 3');
    expect(() => checkOptions('f', [1], SPEC)).toThrow('webrnn: f: options must be an object, got an array of 1');
    expect(() => checkOptions('f', null, SPEC)).toThrow('webrnn: f: options must be an object, got null');
  });

  test('a function rule names what the value must be; checkArg checks positional arguments', () => {
    const even = (v: unknown) => (typeof v === 'number' && v % 2 === 0 ? null : 'an even number');
    expect(() => checkOptions('f', { n: 3 }, { n: even })).toThrow('webrnn: f: option n = 3 must be an even number');
    expect(() => checkOptions('f', { n: 4 }, { n: even })).not.toThrow();
    expect(() => checkArg('StepLR', 'gamma', Infinity, 'number')).toThrow('webrnn: StepLR: gamma = Infinity must be a finite number');
  });
});
