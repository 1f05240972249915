// Types for the part of the `cli-progress` npm package (which ships none) that demos/cli.ts uses: a
// MultiBar that keeps log lines above the bar, with one bar whose format reads payload tokens.
declare module 'cli-progress' {
  interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    fps?: number;
  }
  interface Preset {
    barCompleteChar: string;
    barIncompleteChar: string;
  }
  interface Bar {
    update(value: number, payload?: Record<string, string | number>): void;
    setTotal(total: number): void;
  }
  export class MultiBar {
    constructor(options: Options, preset?: Preset);
    create(total: number, start: number, payload?: Record<string, string | number>): Bar;
    /** Queues text (ending in a newline) to print above the bars at the next redraw. */
    log(text: string): void;
    update(): void;
    stop(): void;
  }
  export const Presets: { shades_classic: Preset; legacy: Preset; rect: Preset };
}
