// Consumer check (c): type-checked (never run) against the installed package's declarations under
// `strict`, with moduleResolution node16 and bundler. The @ts-expect-error lines fail the check if
// the declarations degrade to `any`.
import { init, nn, optim, tensor, tidy, crossEntropy, saveSafetensors, type Tensor, type Shape } from 'webrnn';

const gpu = await init();
const device: GPUDevice = gpu.device;
const lstm: nn.LSTM = new nn.LSTM({ inputSize: 4, hiddenSize: 8, numLayers: 2 });
const x: Tensor = tensor(new Float32Array(3 * 2 * 4), [3, 2, 4]);
const [y, [hN, cN]] = lstm.forward(x);
const shape: Shape = y.shape;
const opt: optim.Adam = new optim.Adam(lstm.parameters(), { lr: 1e-3 });
const loss: Tensor = tidy(() => crossEntropy(y.select(0, -1), tensor([0, 1], [2], { dtype: 'int32' })));
const value: number = await loss.item();
const bytes: Uint8Array = await saveSafetensors(lstm);
console.log(device.label, shape, hN.shape, cN.shape, opt, value, bytes.length);

// @ts-expect-error -- inputSize is a number
new nn.LSTM({ inputSize: '4', hiddenSize: 8 });
// @ts-expect-error -- item() resolves to a number
const wrong: string = await loss.item();
console.log(wrong);
