// Harness page script: imports the browser bundle, exposes it as window.webrnn, calls init(),
// and reports the outcome the way every test page does: #status holds the message and
// document.body.dataset.state becomes 'ready' or 'error'.
const status = document.getElementById('status');

function finish(state, message) {
  status.textContent = message;
  document.body.dataset.state = state;
}

try {
  // A dynamic import, so that a missing or broken bundle is shown on the page too.
  const webrnn = await import('/dist/esm/index.js');
  window.webrnn = webrnn;
  await webrnn.init();
  const info = webrnn.adapterInfo();
  finish('ready', `WebGPU ready: ${info.name}${info.isSoftware ? ' (software adapter)' : ''}`);
} catch (e) {
  finish('error', e instanceof Error ? e.message : String(e));
}
