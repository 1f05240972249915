// Consumer check (b): CommonJS require() of the ES-module package (require(esm): Node ^20.19, ≥ 22.12).
const webrnn = require('webrnn');

webrnn.init().then(async () => {
  const sum = await webrnn.tensor([1, 2, 3]).add(1).data();
  console.log(JSON.stringify({ init: typeof webrnn.init, lstm: typeof webrnn.nn.LSTM, sum: Array.from(sum) }));
});
