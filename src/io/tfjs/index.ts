// TF.js / Keras layers models in and out: loadLayersModel and saveLayersModel.
export { loadLayersModel, type LayersModelArtifacts, type LayersModelSource, type NamedBlob } from './load.js';
export { LayersModel, type ForwardOptions, type LayerStates } from './model.js';
export { saveLayersModel, type SavedLayersModel, type SaveOptions } from './save.js';
